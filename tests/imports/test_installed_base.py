"""The installed-base import (SPEC §10) end to end through the API and the in-process worker:
counts, dry runs, re-imports, row errors, the audit log, CSV and XLSX alike."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from dispatch.imports import running
from dispatch.imports.models import ImportRun
from dispatch.registry.importer import COLUMNS
from dispatch.registry.models import Customer, Installation, Sim, Terminal, Vehicle
from dispatch.timeutil import local_day
from tests.imports.conftest import (
    REGISTRY_TABLES,
    audit_count,
    csv_bytes,
    natural_snapshot,
    registry_snapshot,
    row_of,
    run_of,
    sample,
    upload,
    wipe_registry,
    xlsx_bytes,
)

KINDS = {"customers", "vehicles", "terminals", "sims"}


def test_a_csv_and_an_xlsx_of_the_same_1000_rows_give_the_same_registry(manager):
    rows = sample(1000, seed=3)
    from_csv = run_of(manager, upload(manager, csv_bytes(rows)))
    assert from_csv["status"] == "done" and from_csv["rejected"] == 0, from_csv["errors"][:3]
    assert from_csv["rows"] == from_csv["processed"] == 1000
    assert from_csv["created"]["vehicles"] == from_csv["created"]["terminals"] == 1000
    assert from_csv["created"]["sims"] == 1000
    assert from_csv["created"]["customers"] == len({(r[0], r[2]) for r in rows})
    after_csv = natural_snapshot()

    # The same rows as a workbook change nothing …
    again = run_of(manager, upload(manager, xlsx_bytes(rows), name="base.xlsx"))
    assert again["status"] == "done", again["error"]
    assert sum(again["created"].values()) == sum(again["updated"].values()) == 0
    assert again["unchanged"] == 1000
    # … and, into an empty registry, give the very same records.
    wipe_registry()
    from_xlsx = run_of(manager, upload(manager, xlsx_bytes(rows), name="base.xlsx"))
    assert from_xlsx["created"] == from_csv["created"] and from_xlsx["rejected"] == 0
    assert natural_snapshot() == after_csv


def test_the_devices_are_installed_in_the_vehicle_with_dates_and_warranty(app, manager):
    row = row_of(plate="浙A7K2L9", terminal_id="IMP00000001", imei="860000000000025",
                 iccid="89860000000000000027", installed_on="2025-06-01",
                 purchase_date="2025-05-20")
    run = run_of(manager, upload(manager, csv_bytes([row])))
    assert run["created"] == {"customers": 1, "vehicles": 1, "terminals": 1, "sims": 1}
    terminal = db.session.scalars(select(Terminal).where(Terminal.terminal_id == "IMP00000001")).one()
    assert terminal.status == "installed" and terminal.vehicle.plate == "浙A7K2L9"
    assert terminal.install_date == date(2025, 6, 1)
    assert terminal.purchase_date == date(2025, 5, 20)
    months = app.config["DISPATCH_WARRANTY_MONTHS"]
    assert terminal.warranty_end == date(2025 + (6 + months - 1) // 12, (6 + months - 1) % 12 + 1, 1)
    sim = db.session.scalars(select(Sim).where(Sim.iccid == "89860000000000000027")).one()
    assert sim.status == "installed" and sim.terminal is terminal
    kinds = sorted((i.device_kind, i.vehicle.plate, i.work_order_id) for i in
                   db.session.scalars(select(Installation).where(Installation.removed_at.is_(None))))
    assert kinds == [("sim", "浙A7K2L9", None), ("terminal", "浙A7K2L9", None)]
    # Installed since the install day (local midnight).
    installation = db.session.scalars(select(Installation).where(
        Installation.terminal_ref == terminal.id)).one()
    assert local_day(installation.installed_at) == date(2025, 6, 1)


def test_every_write_is_in_the_audit_log_as_done_by_the_import(manager):
    response = upload(manager, csv_bytes(sample(3)))
    run = run_of(manager, response)
    rows = db.session.scalars(select(AuditLog).where(
        AuditLog.entity.in_(("customers", "vehicles", "terminals", "sims", "installations")))).all()
    assert len(rows) == run["created"]["customers"] + 3 * 5  # vehicle, terminal, SIM, 2 installs
    user_id = db.session.get_one(ImportRun, run["id"]).user_id
    assert {row.user_id for row in rows} == {user_id}
    notes = {row.note for row in rows}
    assert notes <= {f"import #{run['id']} row {n}" for n in (2, 3, 4)}, notes
    plate_row = {row.after["plate"]: row.note for row in rows if row.entity == "vehicles"}
    first = sample(3)[0][COLUMNS.index("plate")]
    assert plate_row[first] == f"import #{run['id']} row 2"


def test_importing_the_same_file_again_changes_nothing(manager, world):
    data = csv_bytes(sample(120, seed=5))
    first = run_of(manager, upload(manager, data))
    assert first["rejected"] == 0
    before, audits = registry_snapshot(), audit_count()
    second = run_of(manager, upload(manager, data))
    assert second["created"] == second["updated"] == dict.fromkeys(KINDS, 0)
    assert second["unchanged"] == 120
    assert second["unchanged_records"]["vehicles"] == 120
    assert registry_snapshot() == before
    assert audit_count() == audits  # no write, so no audit row


def test_a_changed_row_updates_only_what_changed(manager):
    rows = sample(4, seed=8)
    run_of(manager, upload(manager, csv_bytes(rows)))
    last = db.session.scalar(select(func.max(AuditLog.id)))
    changed = [list(row) for row in rows]
    changed[1][COLUMNS.index("vehicle_model")] = "新能源物流车"
    changed[2][COLUMNS.index("carrier")] = "中国广电"
    run = run_of(manager, upload(manager, csv_bytes(changed)))
    assert run["updated"] == {"customers": 0, "vehicles": 1, "terminals": 0, "sims": 1}
    assert run["unchanged"] == 2
    new_rows = db.session.scalars(select(AuditLog).where(
        AuditLog.id > last, AuditLog.entity.in_(REGISTRY_TABLES))).all()
    assert sorted((row.entity, tuple(row.after)) for row in new_rows) == [
        ("sims", ("carrier",)), ("vehicles", ("description",))]


def test_a_dry_run_counts_like_the_real_run_and_writes_nothing(manager, world, monkeypatch):
    monkeypatch.setattr(running, "BATCH_ROWS", 7)  # many batches, keys spread across them
    rows = sample(60, seed=11)
    random.Random(4).shuffle(rows)  # a customer's vehicles far apart in the file
    rows.insert(10, row_of(plate="浙A12345"))  # the world's truck: the vehicle changes hands
    rows.insert(20, row_of(plate="BAD"))
    rows.insert(30, rows[5][:])  # the same row twice: unchanged the second time
    data = csv_bytes(rows)
    before, audits = registry_snapshot(), audit_count()
    dry = run_of(manager, upload(manager, data, dry_run=True))
    assert dry["status"] == "done" and dry["dry_run"] is True
    assert registry_snapshot() == before
    assert audit_count() == audits
    real = run_of(manager, upload(manager, data))
    for key in ("rows", "processed", "created", "updated", "unchanged", "unchanged_records",
                "rejected", "errors"):
        assert dry[key] == real[key], key
    assert real["rejected"] == 1 and real["unchanged"] >= 1
    assert registry_snapshot() != before


def test_row_errors_name_the_row_and_column_and_the_good_rows_go_in(manager, world):
    good = sample(5, seed=21)
    rows = [
        good[0],
        row_of(plate="浙A12"),                                   # row 3: bad plate
        good[1],
        row_of(imei="860000000000018"),                          # row 5: wrong check digit
        row_of(terminal_id="HZ00000001"),                        # row 6: in the world's truck
        row_of(installed_on="2025-13-01"),                       # row 7: no such day
        row_of(purchase_date="1889-01-01"),                      # row 8: out of range
        good[2], good[3], good[4],
    ]
    run = run_of(manager, upload(manager, csv_bytes(rows)))
    errors = {(e["row"], e["field"]): e for e in run["errors"]}
    assert set(errors) == {(3, "plate"), (5, "imei"), (6, "terminal_id"), (7, "installed_on"),
                           (8, "purchase_date")}, run["errors"]
    assert "浙A12345" in errors[(6, "terminal_id")]["message"]
    assert errors[(5, "imei")]["value"] == "860000000000018"
    assert "check digit" in errors[(5, "imei")]["message"]
    assert run["rejected"] == 5
    assert run["created"]["vehicles"] == 5
    plates = set(db.session.scalars(select(Vehicle.plate)))
    assert {row[COLUMNS.index("plate")] for row in good} <= plates


def test_a_gbk_file_with_chinese_names_reads_and_reports_its_rows(manager):
    rows = [row_of(customer_name="杭州钱塘冷链运输有限公司", contact_name="欧阳娜", plate="浙A9M8N7"),
            row_of(customer_name="杭州临平建材运输有限公司", plate="浙AXYZ", terminal_id="SMP770000001",
                   imei="350000000000014", iccid="89861100000000000016")]
    data = csv_bytes(rows, encoding="gbk")
    for choice in ("auto", "gb18030"):
        run = run_of(manager, upload(manager, data, dry_run=True, encoding=choice))
        assert run["encoding"] == "gb18030"
        assert [(e["row"], e["field"]) for e in run["errors"]] == [(3, "plate")]
        assert run["created"]["customers"] == 1
    run_of(manager, upload(manager, data))
    customer = db.session.scalars(select(Customer).where(
        Customer.name == "杭州钱塘冷链运输有限公司")).one()
    assert customer.contact_name == "欧阳娜"
    # Read as UTF-8 it is refused at once, unparsed.
    refused = upload(manager, data, encoding="utf-8")
    assert refused.status_code == 422
    assert "UTF-8" in refused.get_json()["error"]["fields"]["file"]


def test_dates_as_written_by_people_and_spreadsheets(manager):
    rows = [row_of(plate="浙A1A001", terminal_id="DT000001", imei="", iccid="", msisdn="",
                   carrier="", installed_on="2025/6/1", purchase_date="45809"),
            row_of(plate="浙A1A002", terminal_id="DT000002", imei="", iccid="", msisdn="",
                   carrier="", installed_on="2025年6月1日", purchase_date="20250601"),
            row_of(plate="浙A1A003", terminal_id="DT000003", imei="", iccid="", msisdn="",
                   carrier="", installed_on="2025-06-01 00:00:00", purchase_date="45809.0")]
    run = run_of(manager, upload(manager, csv_bytes(rows)))
    assert run["rejected"] == 0, run["errors"]
    terminals = db.session.scalars(select(Terminal).where(Terminal.terminal_id.like("DT%"))).all()
    assert {(t.install_date, t.purchase_date) for t in terminals} == {(date(2025, 6, 1),
                                                                     date(2025, 6, 1))}
    # XLSX: real date cells and serial numbers.
    workbook = [row_of(plate="浙A1A004", terminal_id="DT000004", imei="", iccid="", msisdn="",
                       carrier="")]
    workbook[0][COLUMNS.index("installed_on")] = date(2024, 2, 29)
    workbook[0][COLUMNS.index("purchase_date")] = 45000  # 2023-03-15
    run = run_of(manager, upload(manager, xlsx_bytes(workbook), name="dates.xlsx"))
    assert run["rejected"] == 0, run["errors"]
    terminal = db.session.scalars(select(Terminal).where(Terminal.terminal_id == "DT000004")).one()
    assert (terminal.install_date, terminal.purchase_date) == (date(2024, 2, 29), date(2023, 3, 15))


def test_full_width_characters_spaces_and_escaped_cells_are_normalised(manager):
    row = row_of(plate=" 浙Ａ ５Ｋ·３２１ ", imei="３５００ ０００００ ００００１４",
                 terminal_id="fw-000001", iccid="8986 1100 0000 0000 0016", phone="138 0013 8000",
                 msisdn="'+8614700000018", customer_name="  杭州宝盛物流有限公司 ")
    run = run_of(manager, upload(manager, csv_bytes([row])))
    assert run["rejected"] == 0, run["errors"]
    vehicle = db.session.scalars(select(Vehicle)).one()
    assert vehicle.plate == "浙A5K321"
    assert vehicle.customer.name == "杭州宝盛物流有限公司"
    assert vehicle.customer.phone == "+8613800138000"
    terminal = vehicle.terminals[0]
    assert (terminal.terminal_id, terminal.imei) == ("FW000001", "350000000000014")
    assert terminal.sims[0].msisdn == "+8614700000018"


def test_headers_in_any_order_and_case_and_unknown_columns_reported_once(manager):
    rows = sample(3, seed=31)
    order = list(reversed(range(len(COLUMNS))))
    header = [f"  {COLUMNS[i].upper()} " for i in order] + ["Remarks", "remarks "]
    data = csv_bytes([[row[i] for i in order] + ["x", "y"] for row in rows], header=header)
    run = run_of(manager, upload(manager, data))
    assert run["rejected"] == 0 and run["created"]["vehicles"] == 3
    assert run["unknown_columns"] == ["Remarks", "remarks"]


def test_a_header_without_the_required_columns_is_refused_at_upload(manager):
    data = csv_bytes([["x", "y"]], header=["customer_name", "address"])
    response = upload(manager, data)
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["file"]
    assert "phone" in message and "plate" in message
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_only_a_manager_may_import_secret_customers(manager, admin, world):
    secret = row_of(confidentiality="secret", plate="浙A5S001", terminal_id="SEC000001",
                    imei="", iccid="", msisdn="", carrier="")
    refused = run_of(admin, upload(admin, csv_bytes([secret])))
    assert [(e["row"], e["field"]) for e in refused["errors"]] == [(2, "confidentiality")]
    done = run_of(manager, upload(manager, csv_bytes([secret])))
    assert done["created"]["customers"] == 1
    # Now it exists for the manager only: an admin's row touching it is refused, and the
    # plate of its vehicle is not shown.
    touch = row_of(plate="浙A5T002", terminal_id="SEC000001", imei="", iccid="", msisdn="",
                   carrier="")
    run = run_of(admin, upload(admin, csv_bytes([touch])))
    messages = {e["field"]: e["message"] for e in run["errors"]}
    assert "terminal_id" in messages and "浙A5S001" not in str(messages)


def test_a_failure_mid_run_keeps_the_finished_batches_and_no_half_batch(manager, monkeypatch):
    monkeypatch.setattr(running, "BATCH_ROWS", 5)
    rows = [row_of(customer_name=f"杭州第{n}物流有限公司") for n in range(30)]  # no shared keys
    plates = [row[COLUMNS.index("plate")] for row in rows]
    stop_at = 14  # the 13th data row: the third batch or later
    from dispatch.registry.importer import InstalledBase

    real_apply = InstalledBase.apply_row

    def failing(self, row, ctx):
        if row.number == stop_at:
            raise RuntimeError("disk on fire")
        return real_apply(self, row, ctx)

    monkeypatch.setattr(InstalledBase, "apply_row", failing)
    run = run_of(manager, upload(manager, csv_bytes(rows)))
    assert run["status"] == "failed" and "disk on fire" in run["error"]
    done = run["processed"]
    assert done == 10  # rows 2–11: two whole batches; row 14 is in the third
    stored = set(db.session.scalars(select(Vehicle.plate)))
    assert stored == set(plates[:done])  # whole batches only


def test_a_row_the_database_refuses_is_reported_and_the_batch_goes_in(manager, monkeypatch):
    from dispatch.registry.importer import InstalledBase

    rows = sample(6, seed=51)
    taken = rows[3][COLUMNS.index("plate")]
    real_prepare = InstalledBase.prepare

    def racing(self, batch, ctx):  # another user registers the plate right after the lookup
        real_prepare(self, batch, ctx)
        other = Customer(name="抢先客户", contact_name="x", phone="+8613900000000", address="x")
        db.session.add(other)
        db.session.add(Vehicle(plate=taken, customer=other))
        db.session.flush()

    monkeypatch.setattr(InstalledBase, "prepare", racing)
    run = run_of(manager, upload(manager, csv_bytes(rows)))
    assert run["status"] == "done"
    assert [(e["row"], e["field"]) for e in run["errors"]] == [(5, "")]
    assert run["created"]["vehicles"] == 5
