"""POST /api/v1/technicians, positions, and the technician pages."""

from sqlalchemy import func, select

from dispatch.auth.models import User
from dispatch.extensions import db
from dispatch.technicians.models import Technician
from tests.conftest import PASSWORD, post_form

NEW = {"username": "zhangwei", "password": PASSWORD, "name": "张伟",
       "home_lat": 30.25, "home_lon": 120.16, "skills": ["install", "repair", "model:GT06N"]}


def test_manager_creates_a_technician_who_can_sign_in(api_as):
    response = api_as("manager").post("/api/v1/technicians", json=NEW)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["skills"] == ["install", "repair", "model:GT06N"]
    assert body["daily_capacity"] == 8
    technician_api = api_as(db.session.get(User, body["user_id"]))
    assert technician_api.token


def test_bad_technician_input_lists_every_field_and_writes_nothing(api_as):
    response = api_as("admin").post("/api/v1/technicians", json={
        **NEW, "username": "x", "password": "short", "skills": ["flying"], "home_lat": 95})
    assert response.status_code == 422
    assert {"username", "password", "skills", "home_lat"} <= set(response.get_json()["error"]["fields"])
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # only the admin


def test_only_managers_and_admins_create_technicians(api_as):
    for role in ("agent", "dispatcher", "technician", "finance"):
        assert api_as(role).post("/api/v1/technicians", json=NEW).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 0


def test_technician_reports_own_position_only(api_as, make_technician):
    me, other = make_technician(), make_technician()
    api = api_as(me.user)
    response = api.post(f"/api/v1/technicians/{me.id}/location", json={"lat": 30.3, "lon": 120.2})
    assert response.status_code == 200
    assert response.get_json()["last_lat"] == 30.3 and response.get_json()["last_seen_at"]
    assert api.post(f"/api/v1/technicians/{other.id}/location",
                    json={"lat": 30.3, "lon": 120.2}).status_code == 403
    assert api.post(f"/api/v1/technicians/{me.id}/location",
                    json={"lat": 300, "lon": 120.2}).status_code == 422
    assert api_as("dispatcher").post(f"/api/v1/technicians/{me.id}/location",
                                     json={"lat": 30.3, "lon": 120.2}).status_code == 403
    db.session.refresh(other)
    assert other.last_seen_at is None


def test_technician_pages(client, login, make_user, make_technician):
    technician = make_technician(username="li-na")
    login(make_user("manager"))
    assert "li-na" in client.get(f"/technicians/{technician.id}").get_data(as_text=True)
    response = post_form(client, f"/technicians/{technician.id}/edit", {
        "name": "李娜", "phone": "13700137000", "home_lat": "30.3", "home_lon": "120.1",
        "skills": "repair, inspection", "work_start": "09:00", "work_end": "08:00",
        "daily_capacity": "6", "active": "1", "contractor": ""})
    assert response.status_code == 422 and 'id="e-work_end"' in response.get_data(as_text=True)
    response = post_form(client, f"/technicians/{technician.id}/edit", {
        "name": "李娜", "phone": "13700137000", "home_lat": "30.3", "home_lon": "120.1",
        "skills": "repair, inspection", "work_start": "09:00", "work_end": "18:00",
        "daily_capacity": "6", "active": "1", "contractor": ""})
    assert response.status_code == 302
    db.session.refresh(technician)
    assert technician.skills == ["repair", "inspection"] and technician.daily_capacity == 6
    assert "李娜" in client.get("/technicians/").get_data(as_text=True)
