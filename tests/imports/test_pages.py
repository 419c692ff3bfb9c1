"""The import pages through the test client: upload → dry run → apply, with CSRF."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.registry.importer import COLUMNS
from dispatch.registry.models import Vehicle
from tests.conftest import csrf_from
from tests.imports.conftest import csv_bytes, row_of, sample


def _vehicles() -> int:
    return db.session.scalar(select(func.count()).select_from(Vehicle)) or 0


def test_upload_dry_run_then_apply(login, make_user):
    browser = login(make_user("manager"))
    page = browser.get("/imports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="dry_run" value="1" checked' in html
    assert "/api/v1/imports/template.csv" in html and "/imports/sample.csv" in html
    assert "/api/v1/imports/kinds/installed_base/export?format=xlsx" in html
    rows = sample(12, seed=91)
    rows[3][COLUMNS.index("plate")] = "浙A12"
    response = browser.post("/imports", data={
        "csrf_token": csrf_from(html), "kind": "installed_base", "encoding": "auto",
        "dry_run": "1", "file": (io.BytesIO(csv_bytes(rows)), "fleet.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    run_url = response.headers["Location"]
    outbox.drain()
    run_page = browser.get(run_url).get_data(as_text=True)
    assert _vehicles() == 0
    assert 'id="import-progress"' in run_page and "js/imports.js" in run_page
    assert 'id="apply-form"' in run_page and 'id="rejected-download"' in run_page
    errors = re.search(r'<table class="table" id="import-errors">(.*?)</table>', run_page, re.S)
    assert errors and "<td>5</td><td>plate</td><td>浙A12</td>" in errors.group(1)
    apply_url = re.search(r'<form method="post" action="([^"]+)" id="apply-form">', run_page)
    assert apply_url
    applied = browser.post(apply_url.group(1), data={"csrf_token": csrf_from(run_page)})
    assert applied.status_code == 302 and applied.headers["Location"] != run_url
    outbox.drain()
    db.session.expire_all()
    assert _vehicles() == 11
    applied_page = browser.get(applied.headers["Location"]).get_data(as_text=True)
    assert 'id="apply-form"' not in applied_page
    assert "fleet.csv" in browser.get("/imports").get_data(as_text=True)
    # The source dry run now points at its application, and offers no second one.
    assert 'id="apply-form"' not in browser.get(run_url).get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(login, make_user):
    browser = login(make_user("admin"))
    response = browser.post("/imports", data={
        "file": (io.BytesIO(csv_bytes(sample(2))), "fleet.csv"), "dry_run": "1"},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert _vehicles() == 0


def test_a_refused_file_shows_why_next_to_the_field(login, make_user):
    browser = login(make_user("admin"))
    html = browser.get("/imports").get_data(as_text=True)
    response = browser.post("/imports", data={
        "csrf_token": csrf_from(html), "file": (io.BytesIO(b"%PDF-1.4"), "fleet.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="e-file"' in response.get_data(as_text=True)


def test_the_page_is_for_admins_and_managers_and_in_their_menu(login, make_user):
    agent = login(make_user("agent"), fresh=True)
    assert agent.get("/imports").status_code == 403
    assert 'href="/imports"' not in agent.get("/").get_data(as_text=True)
    admin = login(make_user("admin"), fresh=True)
    assert 'href="/imports"' in admin.get("/").get_data(as_text=True)


def test_the_sample_file_is_valid_and_imports_cleanly(login, make_user, api_as):
    browser = login(make_user("manager"))
    response = browser.get("/imports/sample.csv?rows=40")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    manager = api_as("manager")
    from tests.imports.conftest import run_of, upload

    run = run_of(manager, upload(manager, response.data))
    assert run["rows"] == 40 and run["rejected"] == 0, run["errors"]


def test_the_run_page_in_chinese(login, make_user, client):
    bad_plate = row_of(plate="X")
    browser = login(make_user("manager"))
    html = browser.get("/imports").get_data(as_text=True)
    browser.post("/language", data={"lang": "zh_Hans", "csrf_token": csrf_from(html),
                                    "next": "/imports"})
    response = browser.post("/imports", data={
        "csrf_token": csrf_from(browser.get("/imports").get_data(as_text=True)),
        "dry_run": "1", "file": (io.BytesIO(csv_bytes([bad_plate])), "fleet.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    outbox.drain()
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "导入" in page
    errors = re.search(r'id="import-errors">(.*?)</table>', page, re.S)
    assert errors and "车牌" in errors.group(1)  # the row's problem, written in the user's language


def test_the_upload_form_takes_files_past_the_global_request_limit(app, login, make_user):
    app.config["MAX_CONTENT_LENGTH"] = 3000
    browser = login(make_user("manager"))
    html = browser.get("/imports").get_data(as_text=True)
    data = csv_bytes(sample(30))
    assert len(data) > 3000
    response = browser.post("/imports", data={
        "csrf_token": csrf_from(html), "dry_run": "1", "file": (io.BytesIO(data), "big.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    app.config["DISPATCH_IMPORT_MAX_BYTES"] = 3000
    refused = browser.post("/imports", data={
        "csrf_token": csrf_from(html), "dry_run": "1", "file": (io.BytesIO(data), "big.csv")},
        content_type="multipart/form-data")
    assert refused.status_code == 413
    assert "MiB" in refused.get_data(as_text=True)
