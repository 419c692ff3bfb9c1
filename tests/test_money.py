"""Money is rounded half up, shown by one formatter, sent in one plain form, and what is owed is
decided in one place (dispatch/money.py, workorders/fees.py)."""

import ast
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import refresh

from dispatch.extensions import db
from dispatch.money import format_money, money_text, parse_money, round_money
from tests.world import order_on_site, signature_png

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dispatch", "inventory", "workorders", "board")
#: (file, function) allowed to round without dispatch.money, each for a value that is not money.
NOT_MONEY = {
    # Service points: a coefficient per order kind kept to two decimals, not an amount of money.
    ("workorders/care/incentives.py", "set_service_points"),
    # Service quality (R19): a mean callback satisfaction (1-5) and a score kept to a tenth.
    ("workorders/care/incentives.py", "_mean"),
    ("workorders/care/incentives.py", "quality_score"),
}


@pytest.mark.parametrize(("raw", "expected"), [
    ("0.005", "0.01"), ("0.015", "0.02"), ("0.025", "0.03"),  # half even would give 0.02
    ("2.345", "2.35"), ("2.344999", "2.34"), ("1.004", "1.00"), ("120", "120.00"),
    ("-0.005", "-0.01"), ("-2.345", "-2.35"), ("-0.004", "0.00"), ("-1.994", "-1.99"),
    (Decimal("19.125"), "19.13"), (5, "5.00"), (2.675, "2.68"),  # a float is read as it prints
])
def test_round_money_is_half_up_away_from_zero(raw, expected):
    rounded = round_money(raw)
    assert isinstance(rounded, Decimal) and str(rounded) == expected


@pytest.mark.parametrize(("value", "locale", "expected"), [
    (Decimal("1234.5"), "en", "CN¥1,234.50"),
    (Decimal("1234.5"), "zh_Hans", "¥1,234.50"),
    (Decimal("-29.5"), "en", "-CN¥29.50"),
    (Decimal("-29.5"), "zh_Hans", "-¥29.50"),
    (Decimal("0.125"), "zh_Hans", "¥0.13"),  # rounded by the rule first (Babel alone: 0.12)
    (0, "en", "CN¥0.00"),
    ("1000000", "zh_Hans", "¥1,000,000.00"),
])
def test_format_money_in_english_and_chinese(value, locale, expected):
    assert format_money(value, "CNY", locale) == expected


def test_format_money_of_nothing_is_empty():
    assert format_money(None, "CNY", "en") == ""


def test_format_money_follows_the_setting_and_the_request(app):
    # The fixture's app context stays pushed, and Flask-Babel keeps the locale in its ``g``:
    # refresh() makes each request below choose again.
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        refresh()
        assert format_money(Decimal("435.5")) == "¥435.50"
        assert render_template_string("{{ x|money }}", x=Decimal("435.5")) == "¥435.50"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert format_money(Decimal("435.5")) == "CN¥435.50"
    app.config["DISPATCH_CURRENCY"] = "USD"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert format_money(Decimal("7")) == "$7.00"
    with app.app_context():  # a job building a PDF: no request, the default locale
        assert format_money(Decimal("7")) == "$7.00"


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("120"), "120.00"), (Decimal("1234.5"), "1234.50"), (Decimal("0.125"), "0.13"),
    (Decimal("-0.125"), "-0.13"), (Decimal("-0.001"), "0.00"), (Decimal("1E+3"), "1000.00"),
    (Decimal("9999999999.99"), "9999999999.99"), ("12.345", "12.35"), (0, "0.00"),
])
def test_money_text_is_the_plain_two_decimal_form(value, expected):
    assert money_text(value) == expected


def test_money_text_of_nothing_is_nothing():
    assert money_text(None) is None


def test_parse_money_gives_amounts_to_the_cent():
    assert str(parse_money("120")) == "120.00"
    assert str(parse_money("１２０.５")) == "120.50"
    with pytest.raises(ValueError, match="two decimals"):
        parse_money("0.005")


def test_amount_due_before_and_after_completion(world):
    from workorders.fees import amount_due, due_from
    from workorders.models import WorkOrder

    assert due_from(None, Decimal("90.00")) == Decimal("90.00")
    assert due_from(Decimal("0.00"), Decimal("90.00")) == Decimal("0.00")  # a zero override wins
    assert due_from(None, None) is None
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P", "qty": 2}).status_code == 201
    order = db.session.get(WorkOrder, order_id)
    assert amount_due(order) == Decimal("90.00")  # the live quote
    assert world.manager.post(f"{base}/fee-override",
                              json={"amount": "50", "reason": "老客户优惠"}).status_code == 200
    db.session.expire_all()
    assert amount_due(db.session.get(WorkOrder, order_id)) == Decimal("50.00")
    done = world.tech.post(f"{base}/complete", json={
        "resolution": "更换继电器", "payment_method": "cash", "amount_collected": "50.00",
        "signature_png_base64": signature_png()})
    assert done.status_code == 200 and done.get_json()["fee"] == "50.00"
    # Completed, the order owes what completion stored even when today's quote says otherwise.
    world.old_terminal.warranty_end = date.today() + timedelta(days=365)
    db.session.commit()
    fee = world.tech.get(f"{base}/fee").get_json()
    assert (fee["total"], fee["fee"]) == ("0.00", "50.00")
    assert amount_due(db.session.get(WorkOrder, order_id)) == Decimal("50.00")


def test_a_wrong_amount_is_refused_with_the_fee_as_people_read_it(world):
    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    world.tech.post(f"{base}/parts", json={"sku": "HARNESS-12V", "qty": 1})
    refused = world.tech.post(f"{base}/complete", json={
        "resolution": "更换线束", "payment_method": "cash", "amount_collected": "25.00",
        "signature_png_base64": signature_png()}, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["amount_collected"] == \
        "Collect exactly the fee: CN¥25.50."


def _python_files() -> list[Path]:
    return [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


class _Rounding(ast.NodeVisitor):
    """Rounding or formatting money by hand: ``.quantize(``, ``ROUND_*``, ``:.2f``."""

    def __init__(self) -> None:
        self.found: list[tuple[str, int, str]] = []
        self.function = ""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "quantize":
            self.found.append((self.function, node.lineno, ".quantize("))
        if (isinstance(node.func, ast.Name) and node.func.id == "format" and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant) and _two_decimals(node.args[1].value)):
            self.found.append((self.function, node.lineno, "format(…, '.2f')"))
        self.generic_visit(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr) and any(
                isinstance(part, ast.Constant) and _two_decimals(part.value) for part in spec.values):
            self.found.append((self.function, node.lineno, ":.2f"))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id.startswith("ROUND_"):
            self.found.append((self.function, node.lineno, node.id))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("ROUND_"):
            self.found.append((self.function, node.lineno, node.attr))
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name.startswith("ROUND_"):
                self.found.append((self.function, node.lineno, f"import {alias.name}"))


def _two_decimals(value: object) -> bool:
    return isinstance(value, str) and re.search(r"\.2f$", value) is not None


def test_money_is_rounded_and_formatted_only_in_dispatch_money():
    offenders = []
    for path in _python_files():
        name = path.relative_to(ROOT).as_posix()
        if name == "dispatch/money.py":
            continue
        visitor = _Rounding()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=name))
        offenders += [f"{name}:{line} {what}" for function, line, what in visitor.found
                      if (name, function) not in NOT_MONEY]
    assert not offenders, f"round and format money with dispatch.money: {offenders}"


def test_the_scan_sees_what_it_looks_for():
    visitor = _Rounding()
    visitor.visit(ast.parse("from decimal import ROUND_HALF_EVEN\n"
                            "def f(x):\n    return x.quantize(C, decimal.ROUND_DOWN), f'{x:,.2f}', "
                            "format(x, '.2f')\n"))
    assert [what for _, _, what in visitor.found] == [
        "import ROUND_HALF_EVEN", ".quantize(", "ROUND_DOWN", ":.2f", "format(…, '.2f')"]


def test_what_is_owed_is_decided_only_in_fees():
    restated = re.compile(r"fee_override\s+is\s+not\s+[Nn]one\s+else")
    sources = _python_files() + sorted((ROOT / "templates").rglob("*.html"))
    offenders = [path.relative_to(ROOT).as_posix() for path in sources
                 if restated.search(path.read_text(encoding="utf-8"))]
    assert not offenders, f"use workorders.fees.amount_due (or due_from): {offenders}"
