"""Opening stock as an import kind (issue 19): counts booked as the difference through the
ledger, terminals and SIM cards one by one into the registry, re-imports that book nothing,
serial conflicts named, the export in the same columns, permissions."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select
from stdnum import luhn

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.registry.models import Sim, Terminal
from inventory import locations
from inventory.ledger import move
from inventory.models import Location, Part, StockBalance, StockMovement
from inventory.opening_stock import COLUMNS
from tests.conftest import csrf_from
from tests.imports.conftest import apply_dry_run, csv_bytes, run_of, upload, xlsx_bytes


def checked(digits: str) -> str:
    """``digits`` with their Luhn check digit."""
    return digits + luhn.calc_check_digit(digits)


IMEI_1 = checked("86000000000101")
ICCID_1 = checked("898600000000000101")
ICCID_2 = checked("898600000000000102")


def stock_file(rows, header=COLUMNS) -> bytes:
    return csv_bytes([[*row, *[""] * (len(header) - len(row))] for row in rows], header=header)


def send(api, data: bytes, dry_run: bool = False, name: str = "stock.csv"):
    return run_of(api, upload(api, data, name=name, dry_run=dry_run, kind="stock"))


def van(world) -> str:
    return locations.van_for(world.technician.id).code


def opening(world) -> list[list[str]]:
    code = van(world)
    return [
        ["MAIN", "HARNESS-12V", "40"],
        ["main", "relay-5p", "12"],
        [code, "HARNESS-12V", "7"],                          # 10 in the van: 3 fewer
        ["MAIN", "TERM-GT06N", "", "OPN0001", IMEI_1],
        ["MAIN", "TERM-GT06N", "1", "OPN0002"],
        ["MAIN", "SIM-IOT", "", "", "", ICCID_1],
        [code, "TERM-GT06N", "", "HZ00000002"],              # already in the van
        [code, "SIM-IOT", "", "", "", "89860012345678901238"],  # already in the van
    ]


def balances() -> dict[tuple[str, str], tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.execute(select(Location.code, StockBalance.sku, StockBalance.on_hand,
                                     StockBalance.reserved)
                              .join(Location, Location.id == StockBalance.location_id))
    return {(code, sku): (on_hand, reserved) for code, sku, on_hand, reserved in rows}


def snapshot() -> dict[str, object]:
    db.session.expire_all()
    return {
        "balances": balances(),
        "movements": db.session.scalar(select(func.count()).select_from(StockMovement)),
        "terminals": sorted((t.terminal_id, t.imei, t.status, t.location_id, t.sku)
                            for t in db.session.scalars(select(Terminal))),
        "sims": sorted((s.iccid, s.status, s.location_id, s.sku)
                       for s in db.session.scalars(select(Sim))),
    }


def assert_ledger_is_the_balances() -> None:
    """Every balance is what the ledger's movements add up to; nothing is negative."""
    db.session.expire_all()
    on_hand: dict[tuple[int, str], int] = {}
    reserved: dict[tuple[int, str], int] = {}
    for m in db.session.scalars(select(StockMovement)):
        if m.kind in ("reserve", "release"):
            key = (m.from_location_id, m.sku)
            reserved[key] = reserved.get(key, 0) + (m.qty if m.kind == "reserve" else -m.qty)
            continue
        if m.to_location_id is not None:
            on_hand[(m.to_location_id, m.sku)] = on_hand.get((m.to_location_id, m.sku), 0) + m.qty
        if m.from_location_id is not None:
            key = (m.from_location_id, m.sku)
            on_hand[key] = on_hand.get(key, 0) - m.qty
    stored = {(b.location_id, b.sku): (b.on_hand, b.reserved)
              for b in db.session.scalars(select(StockBalance))}
    for key in set(on_hand) | set(stored):
        assert stored.get(key, (0, 0)) == (on_hand.get(key, 0), reserved.get(key, 0)), key
    assert all(qty >= 0 and held >= 0 for qty, held in stored.values())
    # Serialised parts: the balance counts the devices in stock there.
    for model in (Terminal, Sim):
        held = db.session.execute(select(model.location_id, model.sku, func.count())
                                  .where(model.status == "in_stock",
                                         model.location_id.is_not(None))
                                  .group_by(model.location_id, model.sku)).all()
        for location_id, sku, count in held:
            assert stored[(location_id, sku)][0] == count, (location_id, sku)


def test_a_dry_run_writes_nothing_and_counts_like_the_real_run(manager, world):
    data = stock_file(opening(world))
    before = snapshot()
    dry = send(manager, data, dry_run=True)
    assert dry["status"] == "done" and dry["rejected"] == 0, dry["errors"]
    assert snapshot() == before
    real = apply_dry_run(manager, dry)
    for key in ("rows", "created", "updated", "unchanged", "unchanged_records", "rejected"):
        assert dry[key] == real[key], key
    assert snapshot() != before


def test_the_opening_stock_goes_in_through_the_ledger(manager, world):
    code = van(world)
    run = send(manager, stock_file(opening(world)))
    assert run["rejected"] == 0, run["errors"]
    assert run["created"] == {"balances": 2, "terminals": 2, "sims": 1}
    assert run["updated"] == {"balances": 1, "terminals": 0, "sims": 0}
    assert run["unchanged_records"] == {"balances": 0, "terminals": 1, "sims": 1}
    assert run["unchanged"] == 2
    held = balances()
    assert held[("MAIN", "HARNESS-12V")] == (40, 0) and held[("MAIN", "RELAY-5P")] == (12, 0)
    assert held[(code, "HARNESS-12V")] == (7, 0) and held[(code, "RELAY-5P")] == (5, 0)
    assert held[("MAIN", "TERM-GT06N")] == (2, 0) and held[("MAIN", "SIM-IOT")] == (1, 0)
    assert held[(code, "TERM-GT06N")] == (2, 0)
    booked = db.session.scalars(select(StockMovement).where(
        StockMovement.reason == f"opening stock, import #{run['id']}")).all()
    assert sorted((m.kind, m.sku, m.qty, m.from_location_id is not None, m.serial)
                  for m in booked) == sorted([
        ("adjust", "HARNESS-12V", 40, False, None), ("adjust", "RELAY-5P", 12, False, None),
        ("adjust", "HARNESS-12V", 3, True, None), ("adjust", "TERM-GT06N", 1, False, "OPN0001"),
        ("adjust", "TERM-GT06N", 1, False, "OPN0002"), ("adjust", "SIM-IOT", 1, False, ICCID_1)])
    assert {m.user_id for m in booked} == {db.session.get_one(
        __import__("dispatch.imports.models", fromlist=["ImportRun"]).ImportRun, run["id"]).user_id}
    main = locations.system_location(locations.MAIN)
    terminal = db.session.scalars(select(Terminal).where(Terminal.terminal_id == "OPN0001")).one()
    assert (terminal.status, terminal.location_id, terminal.sku, terminal.imei) == (
        "in_stock", main.id, "TERM-GT06N", IMEI_1)
    assert terminal.vehicle is None and terminal.install_date is None
    sim = db.session.scalars(select(Sim).where(Sim.iccid == ICCID_1)).one()
    assert (sim.status, sim.location_id, sim.sku) == ("in_stock", main.id, "SIM-IOT")
    assert_ledger_is_the_balances()


def test_importing_the_same_file_again_books_nothing(manager, world):
    data = stock_file(opening(world))
    send(manager, data)
    before = snapshot()
    again = send(manager, data)
    assert again["rejected"] == 0, again["errors"]
    assert sum(again["created"].values()) == sum(again["updated"].values()) == 0
    assert again["unchanged"] == 8
    assert again["unchanged_records"] == {"balances": 3, "terminals": 3, "sims": 2}
    assert snapshot() == before
    assert_ledger_is_the_balances()


def test_a_changed_count_books_only_the_difference(manager, world):
    rows = opening(world)
    send(manager, stock_file(rows))
    before = snapshot()
    rows[0][2] = "35"                                                      # 40 → 35
    rows[4] = ["MAIN", "TERM-GT06N", "1", "OPN0002", checked("86000000000202")]  # its IMEI
    run = send(manager, stock_file(rows))
    assert run["updated"] == {"balances": 1, "terminals": 1, "sims": 0}, run["errors"]
    assert run["unchanged"] == 6
    after = snapshot()
    assert after["movements"] == before["movements"] + 1  # the IMEI books no stock
    assert after["balances"][("MAIN", "HARNESS-12V")] == (35, 0)
    last = db.session.scalars(select(StockMovement).order_by(StockMovement.id.desc())).first()
    assert last is not None
    assert (last.kind, last.sku, last.qty, last.to_location_id) == ("adjust", "HARNESS-12V", 5, None)
    assert db.session.scalars(select(Terminal.imei).where(Terminal.terminal_id == "OPN0002")).one() \
        == checked("86000000000202")
    assert_ledger_is_the_balances()


def test_a_count_below_what_orders_reserved_is_refused(manager, world):
    code = van(world)
    van_id = locations.van_for(world.technician.id).id
    move("reserve", "HARNESS-12V", 4, from_id=van_id)
    db.session.commit()
    run = send(manager, stock_file([[code, "HARNESS-12V", "3"]]))
    assert [(e["row"], e["field"]) for e in run["errors"]] == [(2, "qty")]
    assert "reserved" in run["errors"][0]["message"]
    assert balances()[(code, "HARNESS-12V")] == (10, 4)
    run = send(manager, stock_file([[code, "HARNESS-12V", "4"]]))
    assert run["rejected"] == 0 and balances()[(code, "HARNESS-12V")] == (4, 4)
    assert_ledger_is_the_balances()


def test_serials_elsewhere_are_row_errors_naming_where_they_are(manager, world):
    code = van(world)
    workshop = locations.system_location(locations.WORKSHOP)
    db.session.add(Part(sku="TERM-X", name="其他终端", category="terminal", serialized=True,
                        price=1))
    db.session.flush()
    db.session.add_all([
        Terminal(terminal_id="FAULTY01", model="GT06N", sku="TERM-GT06N", status="faulty",
                 location_id=workshop.id),
        Terminal(terminal_id="OTHER001", model="X", sku="TERM-X"),
        Terminal(terminal_id="LOOSE001", model="GT06N", sku="TERM-GT06N",  # in stock, nowhere
                 imei=checked("86000000000303")),
    ])
    db.session.commit()
    rows = [
        ["MAIN", "TERM-GT06N", "", "HZ00000001"],                     # 2: in the customer's truck
        ["MAIN", "TERM-GT06N", "", "HZ00000003"],                     # 3: in the van
        ["MAIN", "SIM-IOT", "", "", "", "8986001234567890138"],        # 4: in the van
        ["MAIN", "SIM-IOT", "", "", "", "8986001234567890120"],        # 5: in the truck's terminal
        ["MAIN", "TERM-GT06N", "", "FAULTY01"],                       # 6: faulty, in the workshop
        ["MAIN", "TERM-GT06N", "", "OTHER001"],                       # 7: another part
        ["MAIN", "TERM-GT06N", "", "LOOSE001"],                       # 8: placed here
        ["MAIN", "TERM-GT06N", "", "OPN0009", checked("86000000000303")],  # 9: LOOSE001's IMEI
        ["MAIN", "TERM-GT06N", "", "NEW00001"],                       # 10: new
        ["MAIN", "TERM-GT06N", "", "new-00001"],                      # 11: the same, again
        ["MAIN", "SIM-IOT", "", "", "", ICCID_2],                       # 12: new
        [code, "SIM-IOT", "", "", "", ICCID_2],                         # 13: now at MAIN
    ]
    run = send(manager, stock_file(rows))
    errors = {(e["row"], e["field"]): e["message"] for e in run["errors"]}
    assert set(errors) == {(2, "serial"), (3, "serial"), (4, "iccid"), (5, "iccid"),
                           (6, "serial"), (7, "serial"), (9, "imei"), (13, "iccid")}, errors
    assert "浙A12345" in errors[(2, "serial")] and "浙A12345" in errors[(5, "iccid")]
    assert code in errors[(3, "serial")] and code in errors[(4, "iccid")]
    assert "WORKSHOP" in errors[(6, "serial")] and "faulty" in errors[(6, "serial")]
    assert "TERM-X" in errors[(7, "serial")]
    assert "LOOSE001" in errors[(9, "imei")]
    assert "MAIN" in errors[(13, "iccid")]
    assert run["created"] == {"balances": 0, "terminals": 1, "sims": 1}
    assert run["updated"]["terminals"] == 1  # LOOSE001, placed
    assert run["unchanged"] == 1  # row 11: NEW00001 again, a record counted once (created)
    main = locations.system_location(locations.MAIN).id
    placed = {t.terminal_id: (t.status, t.location_id)
              for t in db.session.scalars(select(Terminal))}
    assert placed["LOOSE001"] == placed["NEW00001"] == ("in_stock", main)
    assert placed["HZ00000001"][0] == "installed" and placed["FAULTY01"] == ("faulty", workshop.id)
    assert balances()[("MAIN", "TERM-GT06N")] == (2, 0)
    assert_ledger_is_the_balances()


def test_bad_rows_are_reported_and_the_good_rows_go_in(manager, world):
    locations.system_location(locations.WORKSHOP)
    db.session.commit()
    rows = [
        ["MAIN", "HARNESS-12V", "5"],                                  # 2: good
        ["NOWHERE", "HARNESS-12V", "1"],                               # 3: location
        ["WORKSHOP", "RELAY-5P", "1"],                                 # 4: location
        ["MAIN", "NOPE", "1"],                                         # 5: sku
        ["MAIN", "RELAY-5P", "-1"],                                    # 6: qty
        ["MAIN", "RELAY-5P", "x"],                                     # 7: qty
        ["MAIN", "RELAY-5P", ""],                                      # 8: qty
        ["MAIN", "TERM-GT06N", "2", "OPN0003"],                        # 9: qty
        ["MAIN", "RELAY-5P", "1", "SER00001"],                         # 10: serial
        ["MAIN", "TERM-GT06N", ""],                                    # 11: serial
        ["MAIN", "TERM-GT06N", "", "OPN0004", "860000000000018"],      # 12: imei check digit
        ["MAIN", "SIM-IOT", "", "", "", "8986000000000000001"],         # 13: iccid check digit
        ["main", "harness-12v", "6"],                                  # 14: counted in row 2
        ["MAIN", "RELAY-5P", "3"],                                     # 15: good
    ]
    run = send(manager, stock_file(rows))
    errors = {(e["row"], e["field"]): e for e in run["errors"]}
    assert set(errors) == {(3, "location"), (4, "location"), (5, "sku"), (6, "qty"),
                           (7, "qty"), (8, "qty"), (9, "qty"), (10, "serial"), (11, "serial"),
                           (12, "imei"), (13, "iccid"), (14, "sku")}, run["errors"]
    assert errors[(3, "location")]["value"] == "NOWHERE"
    assert "row 2" in errors[(14, "sku")]["message"].lower()
    assert run["rejected"] == 12
    held = balances()
    assert held[("MAIN", "HARNESS-12V")] == (5, 0) and held[("MAIN", "RELAY-5P")] == (3, 0)
    assert_ledger_is_the_balances()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_imported_again_changes_nothing(manager, world, fmt):
    send(manager, stock_file(opening(world)))
    exported = manager.get(f"/api/v1/imports/kinds/stock/export?format={fmt}")
    assert exported.status_code == 200
    if fmt == "csv":
        lines = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
        assert lines[0] == list(COLUMNS)
        assert ["MAIN", "HARNESS-12V", "40", "", "", ""] in lines
        assert ["MAIN", "TERM-GT06N", "1", "OPN0001", IMEI_1, ""] in lines
        assert [van(world), "SIM-IOT", "1", "", "", "89860012345678901238"] in lines
        assert len(lines) == 1 + 4 + 4 + 3  # counts; van terminals and SIMs; MAIN's devices
    before = snapshot()
    run = send(manager, exported.data, name=f"stock.{fmt}")
    assert run["rejected"] == 0, run["errors"]
    assert sum(run["created"].values()) == sum(run["updated"].values()) == 0
    assert snapshot() == before
    assert_ledger_is_the_balances()


def test_only_managers_import_opening_stock(manager, admin, api_as, world):
    data = stock_file(opening(world))
    assert upload(admin, data, kind="stock").status_code == 403  # admins do not count stock
    assert admin.get("/api/v1/imports/kinds/stock/export").status_code == 403
    keeper = api_as("warehouse")  # counts by hand; the import API is admins' and managers'
    assert upload(keeper, data, kind="stock").status_code == 403
    assert send(manager, data)["rejected"] == 0


def test_an_xlsx_with_numbers_and_a_new_van(manager, world, make_technician):
    newcomer = make_technician(username="tech-new")
    code = f"VAN-{newcomer.id}"
    assert db.session.scalar(select(Location.id).where(Location.code == code)) is None
    rows = [[code.lower(), "RELAY-5P", 3, "", "", ""],
            [code, "SIM-IOT", 1, "", "", ICCID_2],
            [code, "SIM-IOT", 1, "", "", int(ICCID_1)]]  # 19 digits as a number: rounded
    run = send(manager, xlsx_bytes(rows, header=COLUMNS), name="stock.xlsx")
    assert [(e["row"], e["field"]) for e in run["errors"]] == [(4, "iccid")]
    assert "check digit" in run["errors"][0]["message"]
    assert balances()[(code, "RELAY-5P")] == (3, 0) and balances()[(code, "SIM-IOT")] == (1, 0)


def _upload_page(client, data: bytes, kind: str, lang: str) -> int:
    """Upload through the import page (a real run) in ``lang``; the run's id."""
    headers = {"Accept-Language": lang}
    page = client.get("/imports", headers=headers)
    assert page.status_code == 200
    response = client.post("/imports", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), f"{kind}.csv"), "kind": kind,
                                 "encoding": "auto", "dry_run": "",
                                 "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)
    outbox.drain()
    db.session.expire_all()
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Opening stock: counts per warehouse and van", "stock balances",
            "Unknown stock location NOWHERE.", "What it did")),
    ("zh-CN", ("期初库存：各仓库和工具车的数量", "库存余额", "未知库位 NOWHERE。", "导入结果")),
])
def test_the_pages_in_english_and_chinese(client, login, make_user, world, lang, words):
    login(make_user("manager"))
    index = client.get("/imports", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert words[0] in index and 'value="stock"' in index
    run_id = _upload_page(client, stock_file([["NOWHERE", "HARNESS-12V", "1"],
                                              ["MAIN", "HARNESS-12V", "3"]]), "stock", lang)
    page = client.get(f"/imports/{run_id}", headers={"Accept-Language": lang})
    text = page.get_data(as_text=True)
    for word in words:
        assert word in text, word
    assert balances()[("MAIN", "HARNESS-12V")] == (3, 0)
