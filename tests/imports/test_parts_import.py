"""The parts price list as an import kind (issue 19): through the API and the in-process worker,
dry runs, re-imports, changed rows, row errors, the export in the same columns, permissions."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from inventory.importer import COLUMNS
from inventory.models import Part
from tests.imports.conftest import apply_dry_run, csv_bytes, run_of, upload, xlsx_bytes

ROWS = [
    ["HARNESS-4P", "四芯电源线束", "harness", "no", "35.00", "20"],
    ["RELAY-12V", "12V 断油断电继电器", "relay", "no", "45.5", "10"],
    ["ANT-GPS", "GPS 天线", "antenna", "", "1,280.00", ""],
    ["TERM-GT06N", "GT06N 终端", "terminal", "yes", "380", "5", "gt06n"],  # model code, stored upper
    ["SIM-IOT", "物联网卡", "sim", "", "３０.００", "0"],  # full-width digits
]


def parts_file(rows, header=COLUMNS) -> bytes:
    return csv_bytes(rows, header=header)


def send(api, data: bytes, dry_run: bool = False, name: str = "parts.csv"):
    return run_of(api, upload(api, data, name=name, dry_run=dry_run, kind="parts"))


def price_list() -> list[tuple]:
    db.session.expire_all()
    return [(p.sku, p.name, p.category, p.serialized, p.price, p.reorder_point, p.active)
            for p in db.session.scalars(select(Part).order_by(Part.sku))]


def part_audits() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "parts")) or 0


def test_a_dry_run_counts_and_writes_nothing_then_the_real_run_creates(manager):
    dry = send(manager, parts_file(ROWS), dry_run=True)
    assert dry["status"] == "done" and dry["kind"] == "parts", dry
    assert dry["created"] == {"parts": 5} and dry["rejected"] == 0, dry["errors"]
    assert price_list() == [] and part_audits() == 0
    real = apply_dry_run(manager, dry)
    for key in ("rows", "created", "updated", "unchanged", "unchanged_records", "rejected"):
        assert dry[key] == real[key], key
    assert price_list() == [
        ("ANT-GPS", "GPS 天线", "antenna", False, Decimal("1280.00"), 0, True),
        ("HARNESS-4P", "四芯电源线束", "harness", False, Decimal("35.00"), 20, True),
        ("RELAY-12V", "12V 断油断电继电器", "relay", False, Decimal("45.50"), 10, True),
        ("SIM-IOT", "物联网卡", "sim", True, Decimal("30.00"), 0, True),  # SIMs: serial by default
        ("TERM-GT06N", "GT06N 终端", "terminal", True, Decimal("380.00"), 5, True),
    ]
    assert db.session.scalars(select(Part.model_code).where(Part.sku == "TERM-GT06N")).one() \
        == "GT06N"
    notes = set(db.session.scalars(select(AuditLog.note).where(AuditLog.entity == "parts")))
    assert notes == {f"import #{real['id']} row {n}" for n in range(2, 7)}


def test_importing_the_same_file_again_changes_nothing(manager):
    data = parts_file(ROWS)
    send(manager, data)
    before, audits = price_list(), part_audits()
    again = send(manager, data)
    assert again["created"] == again["updated"] == {"parts": 0}
    assert again["unchanged"] == 5 and again["unchanged_records"] == {"parts": 5}
    assert price_list() == before and part_audits() == audits


def test_a_changed_row_updates_only_what_changed_and_empty_cells_keep_values(manager):
    send(manager, parts_file(ROWS))
    last = db.session.scalar(select(func.max(AuditLog.id)))
    changed = [list(row) for row in ROWS]
    changed[0][COLUMNS.index("price")] = "36.80"                       # a new price
    changed[1] = ["relay-12v", "", "", "", "", "12"]                   # only the reorder point
    run = send(manager, parts_file(changed))
    assert run["updated"] == {"parts": 2} and run["unchanged"] == 3, run["errors"]
    rows = db.session.scalars(select(AuditLog).where(AuditLog.id > last,
                                                     AuditLog.entity == "parts")).all()
    assert sorted((row.entity, row.entity_id, tuple(row.after)) for row in rows) == sorted([
        ("parts", str(db.session.scalar(select(Part.id).where(Part.sku == "HARNESS-4P"))),
         ("price",)),
        ("parts", str(db.session.scalar(select(Part.id).where(Part.sku == "RELAY-12V"))),
         ("reorder_point",))])
    relay = db.session.scalars(select(Part).where(Part.sku == "RELAY-12V")).one()
    assert (relay.name, relay.price, relay.reorder_point) == ("12V 断油断电继电器",
                                                               Decimal("45.50"), 12)


def test_a_part_taken_off_the_list_comes_back_when_a_row_names_it(manager):
    send(manager, parts_file(ROWS[:1]))
    part = db.session.scalars(select(Part)).one()
    part.active = False
    db.session.commit()
    run = send(manager, parts_file(ROWS[:1]))
    assert run["updated"] == {"parts": 1}
    db.session.refresh(part)
    assert part.active is True


def test_bad_rows_are_reported_by_row_and_column_and_the_good_rows_go_in(manager):
    send(manager, parts_file(ROWS[3:4]))  # TERM-GT06N, tracked by serial
    rows = [
        ROWS[0],
        ["BAD SKU!", "x", "harness", "no", "1", "0"],                 # 3: sku
        ["NEW-1", "新配件", "cable", "no", "1", "0"],                   # 4: category
        ["NEW-2", "新配件", "relay", "no", "-5", "0"],                  # 5: price
        ["NEW-3", "新配件", "relay", "no", "1.005", "0"],               # 6: price
        ["NEW-4", "", "relay", "no", "", "0"],                         # 7: name and price
        ["NEW-5", "终端", "terminal", "no", "100", "0"],                # 8: serialized
        ["TERM-GT06N", "", "", "no", "", ""],                          # 9: serial tracking stays
        ["NEW-6", "继电器", "relay", "maybe", "10", "-1"],               # 10: serialized, reorder
        ROWS[1],
    ]
    run = send(manager, parts_file(rows))
    found = {(e["row"], e["field"]) for e in run["errors"]}
    assert found == {(3, "sku"), (4, "category"), (5, "price"), (6, "price"), (7, "name"),
                     (7, "price"), (8, "serialized"), (9, "serialized"), (10, "serialized"),
                     (10, "reorder_point")}, run["errors"]
    by_cell = {(e["row"], e["field"]): e for e in run["errors"]}
    assert by_cell[(6, "price")]["value"] == "1.005"
    assert "two decimals" in by_cell[(6, "price")]["message"]
    assert "serial" in by_cell[(9, "serialized")]["message"]
    assert run["rejected"] == 8 and run["created"] == {"parts": 2}
    assert {p[0] for p in price_list()} == {"HARNESS-4P", "RELAY-12V", "TERM-GT06N"}
    assert db.session.scalars(select(Part).where(Part.sku == "TERM-GT06N")).one().serialized


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_imported_again_changes_nothing(manager, world, fmt):
    tricky = ["FORMULA-1", "=HYPERLINK(\"x\")", "other", "no", "0.10", "3"]
    send(manager, parts_file([*ROWS, tricky]))
    exported = manager.get(f"/api/v1/imports/kinds/parts/export?format={fmt}")
    assert exported.status_code == 200
    if fmt == "csv":
        lines = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
        assert lines[0] == list(COLUMNS)
        assert ["FORMULA-1", "'=HYPERLINK(\"x\")", "other", "no", "0.10", "3", ""] in lines
        assert ["TERM-GT06N", "GT06N 终端", "terminal", "yes", "380.00", "5", "GT06N"] in lines
        assert len(lines) == 1 + len(price_list())  # the world's parts and ours, two shared
    before, audits = price_list(), part_audits()
    run = send(manager, exported.data, name=f"parts.{fmt}")
    assert run["rejected"] == 0, run["errors"]
    assert run["created"] == run["updated"] == {"parts": 0}
    assert run["unchanged"] == len(before) == 8
    assert price_list() == before and part_audits() == audits


def test_the_model_code_round_trips_export_edit_import(manager, world):
    """Exported, the model code edited in the file (one set, one changed), imported again:
    exactly those two parts change, and only their model code."""
    send(manager, parts_file(ROWS))
    exported = manager.get("/api/v1/imports/kinds/parts/export?format=csv")
    lines = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert lines[0][-1] == "model_code"
    at = lines[0].index("model_code")
    by_sku = {line[0]: line for line in lines[1:]}
    by_sku["TERM-GT06N"][at] = "GT06N-V2"
    by_sku["ANT-GPS"][at] = "ant-1 "
    last = db.session.scalar(select(func.max(AuditLog.id)))
    run = send(manager, parts_file(lines[1:], header=lines[0]))
    assert run["rejected"] == 0, run["errors"]
    assert run["updated"] == {"parts": 2} and run["created"] == {"parts": 0}
    codes = dict(db.session.execute(select(Part.sku, Part.model_code)).all())
    assert (codes["TERM-GT06N"], codes["ANT-GPS"]) == ("GT06N-V2", "ANT-1")
    changed = db.session.scalars(select(AuditLog).where(AuditLog.id > last,
                                                        AuditLog.entity == "parts")).all()
    assert sorted(tuple(row.after) for row in changed) == [("model_code",), ("model_code",)]
    # An empty cell keeps the stored code; a file made before the column existed still imports.
    run = send(manager, parts_file([row[:6] for row in ROWS], header=COLUMNS[:6]))
    assert run["rejected"] == 0 and run["updated"] == {"parts": 0}, run
    db.session.expire_all()
    assert db.session.scalars(select(Part.model_code).where(Part.sku == "TERM-GT06N")).one() \
        == "GT06N-V2"


def test_a_bad_model_code_is_a_row_error(manager):
    run = send(manager, parts_file([ROWS[0], ["TERM-X", "终端", "terminal", "yes", "1", "0",
                                              "TK 915!"]]))
    assert {(e["row"], e["field"]) for e in run["errors"]} == {(3, "model_code")}, run["errors"]
    assert run["created"] == {"parts": 1}


def test_the_sample_file_command_writes_model_codes_and_imports(app, manager, tmp_path):
    from dispatch.cli import import_sample_command

    target = tmp_path / "parts.csv"
    result = app.test_cli_runner().invoke(import_sample_command, [
        "--kind", "parts", "--rows", "10", "--out", str(target)])
    assert result.exit_code == 0, result.output
    lines = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert lines[0] == list(COLUMNS)
    terminals = [line for line in lines[1:] if line[2] == "terminal"]
    assert terminals and all(line[3] == "yes" and line[6] for line in terminals)
    assert all(line[6] == "" for line in lines[1:] if line[2] != "terminal")
    run = send(manager, target.read_bytes())
    assert run["created"] == {"parts": 10} and run["rejected"] == 0, run["errors"]
    codes = set(db.session.scalars(select(Part.model_code).where(Part.category == "terminal")))
    assert codes == {line[6] for line in terminals}


def test_the_template_imports(manager):
    template = manager.get("/api/v1/imports/template.csv?kind=parts")
    assert template.status_code == 200
    lines = list(csv.reader(io.StringIO(template.data.decode("utf-8-sig"))))
    assert lines[0] == list(COLUMNS) and len(lines) == 2
    run = send(manager, template.data)
    assert run["created"] == {"parts": 1} and run["rejected"] == 0


def test_only_who_may_edit_the_price_list_imports_it(manager, admin, api_as):
    # Managers (part.edit and import.run); an admin imports but may not edit prices; the
    # warehouse edits prices by hand but the import API is for admins and managers (SPEC §10).
    refused = upload(admin, parts_file(ROWS), kind="parts")
    assert refused.status_code == 403
    assert admin.get("/api/v1/imports/kinds/parts/export").status_code == 403
    assert admin.get("/api/v1/imports/template.csv?kind=parts").status_code == 403
    assert "parts" not in {k["name"] for k in admin.get("/api/v1/imports/kinds").get_json()["items"]}
    keeper = api_as("warehouse")
    assert upload(keeper, parts_file(ROWS), kind="parts").status_code == 403
    assert keeper.get("/api/v1/imports/kinds/parts/export").status_code == 403
    assert price_list() == []
    kinds = {k["name"]: k for k in manager.get("/api/v1/imports/kinds").get_json()["items"]}
    assert kinds["parts"]["columns"] == list(COLUMNS) and kinds["parts"]["records"] == ["parts"]


def test_an_xlsx_with_numbers_as_numbers_reads_the_same(manager):
    rows = [["HARNESS-4P", "四芯电源线束", "harness", "no", 35.5, 20],
            ["RELAY-12V", "继电器", "relay", "no", 45, 0]]
    run = send(manager, xlsx_bytes(rows, header=COLUMNS), name="parts.xlsx")
    assert run["created"] == {"parts": 2}, run["errors"]
    assert [(p[0], p[4], p[5]) for p in price_list()] == [
        ("HARNESS-4P", Decimal("35.50"), 20), ("RELAY-12V", Decimal("45.00"), 0)]


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Parts price list: SKU, name", "parts", "An amount has at most two decimals.")),
    ("zh-CN", ("配件价目表：SKU、名称", "配件", "金额最多两位小数")),
])
def test_the_pages_in_english_and_chinese(client, login, make_user, lang, words):
    from tests.imports.test_stock_import import _upload_page

    login(make_user("manager"))
    index = client.get("/imports", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert words[0] in index
    assert "reorder_point, model_code" in index  # the page's column list
    run_id = _upload_page(client, parts_file([ROWS[0], ["X-1", "x", "other", "no", "1.001", ""]]),
                          "parts", lang)
    text = client.get(f"/imports/{run_id}", headers={"Accept-Language": lang}).get_data(as_text=True)
    for word in words[1:]:
        assert word in text, word
    assert [p[0] for p in price_list()] == ["HARNESS-4P"]
