"""The OpenAPI document says what the API sends (issue 18): money is a decimal string
(``"120.00"``, SPEC §8) in every schema, in and out, never a number a generated client would
read as a float. Numbers are left for what is measured: coordinates, distances, scores, ages, durations."""

from __future__ import annotations

import re

from dispatch.web.schemas import MONEY_DOC

#: Properties that are numbers on purpose.
MEASURES = re.compile(r"(^|_)(lat|lon|km|score|minutes|seconds)$")
#: Names that hold money wherever they appear.
MONEY = {"price", "unit_price", "amount", "fee", "fee_total", "fee_override", "override",
         "amount_collected", "collected", "invoiced", "handed_over", "difference", "net", "tax",
         "points_pay", "parts_credit", "parts_revenue"}


def _types(prop: dict) -> set[str]:
    kind = prop.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def test_money_is_a_decimal_string_and_only_measures_are_numbers(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    numbers, money = [], []
    for name, schema in schemas.items():
        for prop_name, prop in schema.get("properties", {}).items():
            if _types(prop) & {"number"} and not MEASURES.search(prop_name):
                numbers.append(f"{name}.{prop_name}")
            if prop_name in MONEY and (_types(prop) - {"null"} != {"string"}
                                       or prop.get("format") != "decimal"):
                money.append(f"{name}.{prop_name}: {prop}")
    assert not numbers, f"numbers that are not measures: {numbers}"
    assert not money, "money not documented as a decimal string:\n" + "\n".join(money)
    assert schemas["FeeOut"]["properties"]["fee"]["pattern"] == MONEY_DOC["pattern"]


def test_what_is_sent_matches_the_pattern(world):
    from tests.world import order_on_site

    fee = world.tech.get(f"/api/v1/workorders/{order_on_site(world)}/fee").get_json()
    pattern = re.compile(MONEY_DOC["pattern"])
    values = [fee["fee"], fee["total"]] + [line[key] for line in fee["lines"]
                                           for key in ("unit_price", "amount")]
    assert values and all(isinstance(v, str) and pattern.match(v) for v in values), fee
