"""Technicians as an import kind (issue 19): accounts without passwords and their one-time
set-password links, updates of the profile only, row errors, the export in the same columns,
permissions, and the pages in English and Chinese."""

from __future__ import annotations

import csv
import io
import re
import time
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.auth.models import User
from dispatch.auth.services import has_usable_password
from dispatch.extensions import db
from dispatch.imports.models import ImportRun
from dispatch.technicians.importer import COLUMNS
from dispatch.technicians.models import Technician
from tests.conftest import PASSWORD, csrf_from
from tests.imports.conftest import apply_dry_run, csv_bytes, run_of, upload, xlsx_bytes

ROWS = [
    ["li.wei", "李伟", "13900139001", "浙江省杭州市西湖区文三路90号", "30.2766", "120.1371",
     "install;repair;model:GT06N", "8"],
    ["zhang.min", "张敏", "", "", "30.30", "120.20", "repair", ""],
    ["wang.fang", "王芳", "+8613700137002", "杭州市滨江区", "30.21", "120.21", "inspection, removal",
     "6"],
]
NEW_PASSWORD = "a-new-secret-42"


def tech_file(rows, header=COLUMNS) -> bytes:
    return csv_bytes(rows, header=header)


def send(api, data: bytes, dry_run: bool = False, name: str = "technicians.csv"):
    return run_of(api, upload(api, data, name=name, dry_run=dry_run, kind="technicians"))


def roster() -> list[tuple]:
    db.session.expire_all()
    return sorted((t.user.username, t.user.name, t.user.roles == {"technician"}, t.phone,
                   t.home_address, t.home_lat, t.home_lon, tuple(t.skills), t.daily_capacity,
                   str(t.work_start), str(t.work_end), t.active, t.contractor)
                  for t in db.session.scalars(select(Technician)))


def audits() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity.in_(("users", "user_roles", "technicians")))) or 0


def token_of(url: str) -> str:
    return url.rsplit("/set-password/", 1)[1]


def set_password(client, token: str, password: str = NEW_PASSWORD, again: str | None = None):
    page = client.get(f"/set-password/{token}")
    assert page.status_code == 200, page.status_code
    return client.post(f"/set-password/{token}", data={
        "password": password, "password_again": password if again is None else again,
        "csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_dry_run_writes_nothing_and_the_real_run_makes_accounts_without_passwords(
        manager, api_as):
    before, audit_rows = roster(), audits()
    dry = send(manager, tech_file(ROWS), dry_run=True)
    assert dry["status"] == "done" and dry["created"] == {"technicians": 3}, dry["errors"]
    assert dry["links"] == []  # nothing was made, so there is nothing to hand over
    assert roster() == before and audits() == audit_rows
    real = apply_dry_run(manager, dry)
    for key in ("rows", "created", "updated", "unchanged", "rejected"):
        assert dry[key] == real[key], key
    assert roster() == [
        ("li.wei", "李伟", True, "+8613900139001", "浙江省杭州市西湖区文三路90号", 30.2766, 120.1371,
         ("install", "repair", "model:GT06N"), 8, "08:30:00", "17:30:00", True, False),
        ("wang.fang", "王芳", True, "+8613700137002", "杭州市滨江区", 30.21, 120.21,
         ("inspection", "removal"), 6, "08:30:00", "17:30:00", True, False),
        ("zhang.min", "张敏", True, "", "", 30.30, 120.20, ("repair",), 8, "08:30:00", "17:30:00",
         True, False),
    ]
    users = db.session.scalars(select(User).where(User.username.in_(("li.wei", "zhang.min")))).all()
    assert not any(has_usable_password(user) for user in users)
    # No password, no sign-in (whatever is tried).
    for password in ("", PASSWORD, users[0].password_hash):
        assert api_as(None).post("/api/v1/auth/token", json={
            "username": "li.wei", "password": password}).status_code == 401


def test_the_run_hands_over_one_link_per_new_account(manager):
    run = send(manager, tech_file(ROWS))
    links = run["links"]
    assert [(link["row"], link["record"], link["label"]) for link in links] == [
        (2, "li.wei", "李伟"), (3, "zhang.min", "张敏"), (4, "wang.fang", "王芳")]
    for link in links:
        assert link["url"].startswith("http://localhost/set-password/")
        assert link["expires_at"] and link["note"] == ""
    # A re-import makes no account, so its run has no links; the first run still has them.
    again = send(manager, tech_file(ROWS))
    assert again["links"] == [] and again["unchanged"] == 3
    assert len(manager.get(f"/api/v1/imports/{run['id']}").get_json()["links"]) == 3


def test_the_link_sets_the_password_once_and_the_technician_signs_in(manager, app, api_as):
    run = send(manager, tech_file(ROWS[:1]))
    token = token_of(run["links"][0]["url"])
    browser = app.test_client()
    mismatch = set_password(browser, token, again="something-else-42")
    assert mismatch.status_code == 422 and 'id="e-password_again"' in mismatch.get_data(as_text=True)
    short = set_password(browser, token, password="short")
    assert short.status_code == 422 and 'id="e-password"' in short.get_data(as_text=True)
    done = set_password(browser, token)
    assert done.status_code == 302
    assert browser.get("/").status_code == 200  # signed in
    user = db.session.scalars(select(User).where(User.username == "li.wei")).one()
    db.session.refresh(user)
    assert has_usable_password(user)
    # Used: the link is gone, for a GET and for a POST.
    other = app.test_client()
    assert other.get(f"/set-password/{token}").status_code == 410
    page = other.get("/login").get_data(as_text=True)
    refused = other.post(f"/set-password/{token}", data={
        "password": "another-pass-99", "password_again": "another-pass-99",
        "csrf_token": csrf_from(page)})
    assert refused.status_code == 410
    assert api_as(None).post("/api/v1/auth/token", json={
        "username": "li.wei", "password": "another-pass-99"}).status_code == 401
    # The technician signs in with the password they chose.
    assert api_as(None).post("/api/v1/auth/token", json={
        "username": "li.wei", "password": NEW_PASSWORD}).status_code == 200
    fresh = app.test_client()
    login_page = fresh.get("/login").get_data(as_text=True)
    assert fresh.post("/login", data={"username": "li.wei", "password": NEW_PASSWORD,
                                      "csrf_token": csrf_from(login_page)}).status_code == 302
    # The run now says the password is set, and offers no link.
    link = manager.get(f"/api/v1/imports/{run['id']}").get_json()["links"][0]
    assert link["url"] is None and link["note"] == "Password set."


def test_an_expired_or_altered_link_is_refused(manager, app, monkeypatch):
    run = send(manager, tech_file(ROWS[:1]))
    token = token_of(run["links"][0]["url"])
    browser = app.test_client()
    ttl = app.config["PASSWORD_LINK_TTL_HOURS"]
    monkeypatch.setattr(itsdangerous.timed, "time",
                        SimpleNamespace(time=lambda: time.time() + ttl * 3600 + 5))
    expired = browser.get(f"/set-password/{token}")
    assert expired.status_code == 410 and 'id="link-gone"' in expired.get_data(as_text=True)
    monkeypatch.undo()
    assert browser.get(f"/set-password/{token[:-2]}xx").status_code == 410
    assert browser.get("/set-password/nonsense").status_code == 410
    assert browser.get(f"/set-password/{token}").status_code == 200  # still good in time
    # A form posted without its CSRF token is refused.
    assert browser.post(f"/set-password/{token}", data={
        "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status_code == 400


def test_existing_technicians_change_name_phone_home_skills_and_capacity_only(
        manager, make_technician):
    existing = make_technician(username="li.wei", work_start="07:00", work_end="16:00",
                               contractor=True)
    hash_before = existing.user.password_hash
    send(manager, tech_file(ROWS))
    assert existing.user.password_hash == hash_before  # never a password
    db.session.refresh(existing)
    assert (existing.user.name, existing.phone, existing.home_address, existing.skills,
            str(existing.work_start), str(existing.work_end), existing.contractor) == (
        "李伟", "+8613900139001", "浙江省杭州市西湖区文三路90号", ["install", "repair", "model:GT06N"],
        "07:00:00", "16:00:00", True)
    last = db.session.scalar(select(func.max(AuditLog.id)))
    changed = [list(row) for row in ROWS]
    changed[0][COLUMNS.index("phone")] = "13900139009"
    changed[1] = ["zhang.min", "张敏敏", "", "", "", "", "", ""]        # the name only
    changed[2][COLUMNS.index("skills")] = "removal;inspection"         # the same, reordered
    run = send(manager, tech_file(changed))
    assert run["updated"] == {"technicians": 2} and run["unchanged"] == 1, run["errors"]
    rows = db.session.scalars(select(AuditLog).where(AuditLog.id > last, AuditLog.entity.in_(
        ("users", "technicians")))).all()
    assert sorted((row.entity, tuple(row.after)) for row in rows) == [
        ("technicians", ("phone",)), ("users", ("name",))]
    assert {row.note for row in rows} == {f"import #{run['id']} row 2",
                                          f"import #{run['id']} row 3"}
    assert run["links"] == []


def test_bad_rows_are_reported_and_the_good_rows_go_in(manager, make_user):
    make_user("agent", username="office.li")
    rows = [
        ROWS[0],
        ["x", "短名", "", "", "30", "120", "", ""],                         # 3: username
        ["office.li", "李", "", "", "30", "120", "", ""],                   # 4: not a technician
        ["new.one", "", "", "", "30", "120", "", ""],                       # 5: name
        ["new.two", "某某", "", "", "", "", "", ""],                          # 6: home
        ["new.three", "某某", "", "", "95", "120", "flying", "99"],          # 7: lat, skills, capacity
        ["new.four", "某某", "12", "", "30", "", "", ""],                     # 8: phone, home
        ["new.five", "某某", "", "月球静海基地", "", "", "", ""],                # 9: unknown address
        ROWS[1],
    ]
    run = send(manager, tech_file(rows))
    errors = {(e["row"], e["field"]): e for e in run["errors"]}
    assert set(errors) == {(3, "username"), (4, "username"), (5, "name"), (6, "home_lat"),
                           (7, "home_lat"), (7, "skills"), (7, "daily_capacity"), (8, "phone"),
                           (8, "home_lat"), (9, "home_address")}, run["errors"]
    assert "not a technician" in errors[(4, "username")]["message"]
    assert errors[(7, "skills")]["value"] == "flying"
    assert run["rejected"] == 7 and run["created"] == {"technicians": 2}
    assert [r[0] for r in roster()] == ["li.wei", "zhang.min"]
    assert db.session.scalar(select(func.count()).select_from(User)) == 4  # + manager and agent
    assert [link["record"] for link in run["links"]] == ["li.wei", "zhang.min"]


def test_a_home_address_without_coordinates_is_located(manager):
    rows = [["zhao.lei", "赵磊", "", "浙江省杭州市余杭区", "", "", "install", "8"]]
    run = send(manager, tech_file(rows))
    assert run["created"] == {"technicians": 1}, run["errors"]
    technician = db.session.scalars(select(Technician)).one()
    assert 30.0 < technician.home_lat < 30.8 and 119.6 < technician.home_lon < 120.6
    # Coordinates in the file win; a changed address with them emptied is located again.
    moved = [["zhao.lei", "", "", "浙江省杭州市萧山区", "", "", "", ""]]
    before = (technician.home_lat, technician.home_lon)
    assert send(manager, tech_file(moved))["updated"] == {"technicians": 1}
    db.session.refresh(technician)
    assert (technician.home_lat, technician.home_lon) != before
    assert technician.home_address == "浙江省杭州市萧山区"


def test_a_file_with_passwords_is_refused_at_upload(manager):
    header = [*COLUMNS, "Password"]
    response = upload(manager, tech_file([[*ROWS[0], "secret123"]], header=header),
                      kind="technicians")
    assert response.status_code == 422
    assert "password" in response.get_json()["error"]["fields"]["file"].lower()
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0
    assert roster() == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_imported_again_changes_nothing(manager, make_technician, fmt):
    make_technician(username="tech-old", lat=30.123456789, lon=120.987654321,
                    skills=("install", "model:GT06N"), phone="13800138000")
    send(manager, tech_file(ROWS))
    exported = manager.get(f"/api/v1/imports/kinds/technicians/export?format={fmt}")
    assert exported.status_code == 200
    if fmt == "csv":
        lines = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
        assert lines[0] == list(COLUMNS) and len(lines) == 5
        assert ["li.wei", "李伟", "'+8613900139001", "浙江省杭州市西湖区文三路90号", "30.2766",
                "120.1371", "install;repair;model:GT06N", "8"] in lines
    before, audit_rows = roster(), audits()
    run = send(manager, exported.data, name=f"technicians.{fmt}")
    assert run["rejected"] == 0, run["errors"]
    assert run["created"] == run["updated"] == {"technicians": 0} and run["unchanged"] == 4
    assert roster() == before and audits() == audit_rows


def test_who_imports_technicians_and_who_sees_the_links(manager, admin, api_as):
    mine = send(admin, tech_file(ROWS[:1]))
    assert mine["created"] == {"technicians": 1} and len(mine["links"]) == 1
    assert len(manager.get(f"/api/v1/imports/{mine['id']}").get_json()["links"]) == 1
    assert api_as("admin").get(f"/api/v1/imports/{mine['id']}").status_code == 404
    for role in ("agent", "dispatcher", "warehouse", "finance", "technician"):
        other = api_as(role)
        assert upload(other, tech_file(ROWS[1:2]), kind="technicians").status_code == 403
        assert other.get(f"/api/v1/imports/{mine['id']}").status_code == 403
        assert other.get("/api/v1/imports/kinds/technicians/export").status_code == 403
    assert [r[0] for r in roster()] == ["li.wei"]


def test_pages_in_english_and_chinese(manager, client, login, make_user):
    run = send(manager, tech_file(ROWS[:1]))
    login(make_user("manager"))  # another manager: managers see every run
    english = client.get("/imports").get_data(as_text=True)
    for title in ("Parts price list", "Opening stock", "Technicians: accounts"):
        assert title in english
    chinese = client.get("/imports", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    for title in ("配件价目表", "期初库存", "技术员"):
        assert title in chinese
    page = client.get(f"/imports/{run['id']}").get_data(as_text=True)
    assert "Links to hand over" in page and "/set-password/" in page
    page_zh = client.get(f"/imports/{run['id']}", headers={"Accept-Language": "zh-CN"})
    assert "移交的链接" in page_zh.get_data(as_text=True)
    url = re.search(r'value="(http://localhost/set-password/[^"]+)"', page).group(1)
    browser = client.application.test_client()
    form_en = browser.get(url).get_data(as_text=True)
    assert "Set your password" in form_en and "li.wei" in form_en
    form_zh = browser.get(url, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "设置密码" in form_zh


def test_an_xlsx_with_numbers_as_numbers(manager):
    rows = [["Chen.Jie", "陈杰", 13900139005, "", 30.25, 120.15, "install", 10]]
    run = send(manager, xlsx_bytes(rows, header=COLUMNS), name="technicians.xlsx")
    assert run["created"] == {"technicians": 1}, run["errors"]
    assert roster()[0][:4] == ("chen.jie", "陈杰", True, "+8613900139005")
