"""The import API around the runs: what an upload must be, its size, who may do what, the
template, the rejected rows, the export round trip, applying a dry run, the history."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.imports import reading
from dispatch.imports.models import ImportRun
from dispatch.registry.importer import COLUMNS
from dispatch.registry.models import Customer, Vehicle
from tests.imports.conftest import (
    audit_count,
    csv_bytes,
    registry_snapshot,
    row_of,
    run_of,
    sample,
    upload,
    xlsx_bytes,
)


def _runs() -> int:
    return db.session.scalar(select(func.count()).select_from(ImportRun)) or 0


def _stored(app) -> list:
    from pathlib import Path

    return list((Path(app.config["FILE_STORAGE"]) / "imports").rglob("*.*"))


@pytest.mark.parametrize(("name", "data", "why"), [
    ("base.pdf", b"%PDF-1.4 ...", "Only CSV and XLSX"),
    ("base.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Only CSV and XLSX"),
    ("base", b"customer_name,phone,plate\n", "Only CSV and XLSX"),
    ("base.csv", b"PK\x03\x04" + b"\x00" * 60, "archive"),
    ("base.csv", b"customer_name,phone,plate\nA,\x00,B\n", "NUL"),
    ("base.xlsx", b"customer_name,phone,plate\n", "not an XLSX"),
    ("base.xlsx", None, "not an XLSX"),  # a zip without the workbook part
    ("base.csv", b"", "empty"),
])
def test_anything_but_csv_or_xlsx_is_refused_unparsed(app, manager, monkeypatch, name, data, why):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        data = buffer.getvalue()

    def never(*args, **kwargs):
        raise AssertionError("a refused file was parsed")

    monkeypatch.setattr(reading, "open_cells", never)
    monkeypatch.setattr(reading, "open_rows", never)
    response = upload(manager, data, name=name)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()["error"]
    assert body["code"] == "validation_failed" and why in body["fields"]["file"]
    assert _runs() == 0 and _stored(app) == []


def test_a_file_over_the_import_limit_is_refused_with_a_clear_413(app, manager):
    app.config["DISPATCH_IMPORT_MAX_BYTES"] = 4000
    data = csv_bytes(sample(40))
    assert len(data) > 4000
    response = upload(manager, data)
    assert response.status_code == 413
    body = response.get_json()["error"]
    assert body["code"] == "too_large" and "0.0038" in body["message"]
    assert _runs() == 0 and _stored(app) == []


def test_the_import_route_alone_may_exceed_the_global_request_limit(app, manager, api_as):
    app.config["MAX_CONTENT_LENGTH"] = 3000
    data = csv_bytes(sample(30))
    assert len(data) > 3000
    assert upload(manager, data).status_code == 202
    big = {"name": "x" * 5000, "contact_name": "x", "phone": "13800138000", "address": "x"}
    refused = manager.post("/api/v1/customers", json=big)
    assert refused.status_code == 413 and refused.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("role", ["agent", "dispatcher", "technician", "finance", "warehouse"])
def test_only_admins_and_managers_import(api_as, manager, role):
    done = upload(manager, csv_bytes(sample(2)))
    other = api_as(role)
    for method, path in [("post", "/api/v1/imports"), ("get", "/api/v1/imports"),
                         ("get", f"/api/v1/imports/{done.get_json()['id']}"),
                         ("get", "/api/v1/imports/template.csv"),
                         ("get", "/api/v1/imports/kinds/installed_base/export"),
                         ("post", f"/api/v1/imports/{done.get_json()['id']}/apply")]:
        response = getattr(other, method)(path)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["error"]["code"] == "forbidden"
    assert api_as(None).get("/api/v1/imports").status_code == 401


def test_runs_are_seen_by_their_author_and_by_managers(admin, manager, api_as):
    mine = run_of(admin, upload(admin, csv_bytes(sample(2))))
    theirs = run_of(manager, upload(manager, csv_bytes(sample(2, seed=2))))
    assert admin.get(f"/api/v1/imports/{theirs['id']}").status_code == 404
    assert manager.get(f"/api/v1/imports/{mine['id']}").status_code == 200
    assert [r["id"] for r in admin.get("/api/v1/imports").get_json()["items"]] == [mine["id"]]
    listed = manager.get("/api/v1/imports").get_json()
    assert [r["id"] for r in listed["items"]] == [theirs["id"], mine["id"]]
    assert listed["total"] == 2
    assert api_as("admin").get(f"/api/v1/imports/{mine['id']}").status_code == 404  # another admin


def test_the_run_as_spec_shows_it(manager):
    response = upload(manager, csv_bytes([row_of(plate="X1")]), dry_run=True, wait=False)
    assert response.status_code == 202
    assert set(response.get_json()) == {"id", "status"}
    assert response.get_json()["status"] == "queued"
    run = run_of(manager, upload(manager, csv_bytes([row_of(plate="X1")]), dry_run=True))
    assert {"id", "status", "dry_run", "rows", "processed", "created", "updated", "unchanged",
            "errors"} <= set(run)
    assert set(run["created"]) == set(run["updated"]) == {"customers", "vehicles", "terminals",
                                                          "sims"}
    assert run["errors"] == [{"row": 2, "field": "plate", "value": "X1",
                              "message": run["errors"][0]["message"]}]


def test_the_template_is_the_header_and_one_row_that_imports(manager):
    response = manager.get("/api/v1/imports/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == list(COLUMNS) and len(lines) == 2
    run = run_of(manager, upload(manager, response.data))
    assert run["rejected"] == 0, run["errors"]
    assert run["created"] == {"customers": 1, "vehicles": 1, "terminals": 1, "sims": 1}


def test_the_rejected_rows_file_reimports_after_fixing(manager):
    rows = sample(6, seed=61)
    rows[1][COLUMNS.index("plate")] = "浙A12"
    rows[4][COLUMNS.index("imei")] = "350000000000015"
    first = run_of(manager, upload(manager, csv_bytes(rows)))
    assert first["rejected"] == 2
    response = manager.get(f"/api/v1/imports/{first['id']}/rejected.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == [*COLUMNS, "error"]
    assert [line[COLUMNS.index("plate")] for line in lines[1:]] == [
        "浙A12", rows[4][COLUMNS.index("plate")]]
    assert lines[1][-1].startswith("plate: ") and lines[2][-1].startswith("imei: ")
    fixed = [line[:-1] for line in lines[1:]]
    fixed[0][COLUMNS.index("plate")] = "浙A12399"
    fixed[1][COLUMNS.index("imei")] = ""
    again = csv_bytes([[*line, note] for line, note in zip(fixed, ["", ""], strict=True)],
                      header=[*COLUMNS, "error"])
    second = run_of(manager, upload(manager, again))
    assert second["rejected"] == 0, second["errors"]
    assert second["unknown_columns"] == ["error"]
    assert second["created"]["vehicles"] == 2


def test_export_then_import_changes_nothing(manager, world):
    run_of(manager, upload(manager, csv_bytes(sample(50, seed=71))))
    bare = Customer(name="无终端客户", contact_name="李娜", phone="+8613700137000", address="杭州")
    db.session.add(Vehicle(plate="浙A0E001", customer=bare))
    db.session.commit()
    before, audits = registry_snapshot(), audit_count()
    for fmt in ("csv", "xlsx"):
        response = manager.get(f"/api/v1/imports/kinds/installed_base/export?format={fmt}")
        assert response.status_code == 200
        run = run_of(manager, upload(manager, response.data, name=f"export.{fmt}"))
        assert run["rejected"] == 0, run["errors"]
        assert sum(run["created"].values()) == sum(run["updated"].values()) == 0, run
        assert run["unchanged"] == run["rows"] == 52  # 50 + the world's truck + the bare one
    assert registry_snapshot() == before and audit_count() == audits


def test_the_export_leaves_out_what_the_user_may_not_see(manager, admin, world):
    run_of(manager, upload(manager, csv_bytes([
        row_of(customer_name="绝密客户", confidentiality="secret", plate="浙A5S101"),
        row_of(customer_name="机密客户", confidentiality="confidential", plate="浙A5C101"),
        row_of(customer_name="普通客户", confidentiality="ordinary", plate="浙A5P101")])))

    def names(api):
        response = api.get("/api/v1/imports/kinds/installed_base/export?format=xlsx")
        sheet = load_workbook(io.BytesIO(response.data)).active
        return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}

    assert {"绝密客户", "机密客户", "普通客户"} <= names(manager)
    seen = names(admin)
    assert "普通客户" in seen and not seen & {"绝密客户", "机密客户"}


def test_a_finished_dry_run_is_applied_once(manager, admin):
    data = csv_bytes(sample(8, seed=81))
    dry = run_of(manager, upload(manager, data, dry_run=True))
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 0
    response = manager.post(f"/api/v1/imports/{dry['id']}/apply")
    assert response.status_code == 202
    from dispatch.jobs import outbox

    outbox.drain()
    applied = manager.get(f"/api/v1/imports/{response.get_json()['id']}").get_json()
    assert applied["status"] == "done" and applied["dry_run"] is False
    assert applied["source_run_id"] == dry["id"]
    assert applied["created"] == dry["created"]
    assert db.session.scalar(select(func.count()).select_from(Vehicle)) == 8
    assert manager.get(f"/api/v1/imports/{dry['id']}").get_json()["applied_run_id"] == applied["id"]
    again = manager.post(f"/api/v1/imports/{dry['id']}/apply")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert manager.post(f"/api/v1/imports/{applied['id']}/apply").status_code == 409
    assert admin.post(f"/api/v1/imports/{dry['id']}/apply").status_code == 404


def test_upload_fields_are_checked(manager):
    data = csv_bytes(sample(1))
    bad = upload(manager, data, encoding="latin-1")
    assert bad.status_code == 422 and "encoding" in bad.get_json()["error"]["fields"]
    assert upload(manager, data, kind="spaceships").status_code == 404
    missing = manager.client.post("/api/v1/imports", headers=manager._headers(None),
                                  data={"dry_run": "1"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["error"]["fields"]


def test_the_kinds_are_listed_with_their_columns(manager):
    items = manager.get("/api/v1/imports/kinds").get_json()["items"]
    base = next(item for item in items if item["name"] == "installed_base")
    assert base["columns"] == list(COLUMNS)
    assert base["required"] == ["customer_name", "phone", "plate"]


def test_xlsx_uploads_read_the_first_sheet_only(manager):
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.append(list(COLUMNS))
    first.append(row_of(plate="浙A6F001"))
    other = book.create_sheet("notes")
    other.append(list(COLUMNS))
    other.append(row_of(plate="浙A6F002"))
    buffer = io.BytesIO()
    book.save(buffer)
    run = run_of(manager, upload(manager, buffer.getvalue(), name="two-sheets.XLSX"))
    assert run["rows"] == 1 and run["created"]["vehicles"] == 1
    assert set(db.session.scalars(select(Vehicle.plate))) == {"浙A6F001"}


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(manager):
    rows = [row_of(plate="浙A6B001"), [""] * len(COLUMNS), row_of(plate="BAD")]
    run = run_of(manager, upload(manager, xlsx_bytes(rows), name="gaps.xlsx"))
    assert run["rows"] == 2
    assert [(e["row"], e["field"]) for e in run["errors"]] == [(4, "plate")]
