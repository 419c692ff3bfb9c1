"""POST /api/v1/customers and the registry API: validation, roles, confidentiality."""

import pytest
from sqlalchemy import func, select

from dispatch.audit.log import AuditLog
from dispatch.extensions import db
from dispatch.registry.models import Customer

GOOD = {"name": "杭州顺达物流有限公司", "contact_name": "王伟", "phone": "138 0013 8000",
        "address": "浙江省杭州市西湖区文三路100号", "lat": 30.27, "lon": 120.13}


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_agent_creates_customer(api_as):
    response = api_as("agent").post("/api/v1/customers", json=GOOD)
    assert response.status_code == 201
    body = response.get_json()
    assert body["phone"] == "+8613800138000"
    assert body["confidentiality"] == "ordinary" and body["credit_class"] == "B"
    assert response.headers["Location"].endswith(f"/api/v1/customers/{body['id']}")
    assert count(Customer) == 1


def test_bad_phone_is_a_field_error_and_writes_nothing(api_as):
    api = api_as("agent")
    audit_before = count(AuditLog)
    response = api.post("/api/v1/customers", json={**GOOD, "phone": "12345"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {"phone"}
    assert count(Customer) == 0
    assert count(AuditLog) == audit_before


@pytest.mark.parametrize("who", ["technician", "finance", "warehouse", "dispatcher"])
def test_roles_without_customer_edit_get_403_and_write_nothing(api_as, who):
    response = api_as(who).post("/api/v1/customers", json=GOOD)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert count(Customer) == 0


def test_no_token_gets_401(api_as):
    response = api_as(None).post("/api/v1/customers", json=GOOD)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert count(Customer) == 0


def test_bad_token_gets_401(client):
    response = client.post("/api/v1/customers", json=GOOD,
                           headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert count(Customer) == 0


def test_missing_and_wrongly_typed_fields_are_named(api_as):
    response = api_as("agent").post("/api/v1/customers", json={"name": "x", "lat": "north"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert {"contact_name", "phone", "address", "lat"} <= set(fields)


def test_half_a_position_is_refused(api_as):
    response = api_as("agent").post("/api/v1/customers", json={**GOOD, "lon": None})
    assert response.status_code == 422
    assert "lat" in response.get_json()["error"]["fields"]


def test_only_managers_see_or_make_secret_customers(api_as):
    agent, manager = api_as("agent"), api_as("manager")
    refused = agent.post("/api/v1/customers", json={**GOOD, "confidentiality": "secret"})
    assert refused.status_code == 422
    assert "confidentiality" in refused.get_json()["error"]["fields"]
    secret = manager.post("/api/v1/customers", json={**GOOD, "name": "机密客户",
                                                     "confidentiality": "secret"}).get_json()
    plain = agent.post("/api/v1/customers", json=GOOD).get_json()
    assert agent.get(f"/api/v1/customers/{secret['id']}").status_code == 404
    assert manager.get(f"/api/v1/customers/{secret['id']}").status_code == 200
    assert [c["id"] for c in agent.get("/api/v1/customers").get_json()["items"]] == [plain["id"]]
    assert {c["id"] for c in manager.get("/api/v1/customers").get_json()["items"]} == {
        plain["id"], secret["id"]}
    assert agent.get("/api/v1/customers?q=机密").get_json()["total"] == 0


def test_patch_records_before_and_after_in_audit_log(api_as):
    api = api_as("agent")
    created = api.post("/api/v1/customers", json=GOOD).get_json()
    response = api.patch(f"/api/v1/customers/{created['id']}",
                         json={"contact_name": "李娜", "credit_class": "D"})
    assert response.status_code == 200
    row = db.session.scalars(select(AuditLog).where(
        AuditLog.entity == "customers", AuditLog.action == "update")).one()
    assert row.before == {"contact_name": "王伟", "credit_class": "B"}
    assert row.after["contact_name"] == "李娜" and row.after["credit_class"] == "D"
    assert row.user_id is not None


def test_vehicles_terminals_and_sims_are_searchable(api_as):
    api = api_as("manager")
    customer = api.post("/api/v1/customers", json=GOOD).get_json()
    vehicle = api.post(f"/api/v1/customers/{customer['id']}/vehicles",
                       json={"plate": "浙a·12345"})
    assert vehicle.status_code == 201 and vehicle.get_json()["plate"] == "浙A12345"
    duplicate = api.post(f"/api/v1/customers/{customer['id']}/vehicles", json={"plate": "浙A12345"})
    assert duplicate.status_code == 422 and "plate" in duplicate.get_json()["error"]["fields"]
    bad_plate = api.post(f"/api/v1/customers/{customer['id']}/vehicles", json={"plate": "浙A12"})
    assert bad_plate.status_code == 422 and "plate" in bad_plate.get_json()["error"]["fields"]
    bad_imei = api.post("/api/v1/terminals", json={"terminal_id": "T1000", "model": "GT06",
                                                    "imei": "490154203237517"})
    assert bad_imei.status_code == 422 and "imei" in bad_imei.get_json()["error"]["fields"]
    bad_iccid = api.post("/api/v1/sims", json={"iccid": "8986001234567890121"})
    assert bad_iccid.status_code == 422 and "iccid" in bad_iccid.get_json()["error"]["fields"]
    terminal = api.post("/api/v1/terminals", json={"terminal_id": "t-1000", "model": "GT06",
                                                    "imei": "490154203237518"})
    assert terminal.status_code == 201 and terminal.get_json()["terminal_id"] == "T1000"
    sim = api.post("/api/v1/sims", json={"iccid": "8986001234567890120", "msisdn": "13900139000"})
    assert sim.status_code == 201 and sim.get_json()["msisdn"] == "+8613900139000"
    assert api.get("/api/v1/customers?q=A12345").get_json()["total"] == 1
    assert api.get("/api/v1/customers?q=13800138000").get_json()["total"] == 1
    assert api.get("/api/v1/terminals?q=490154").get_json()["total"] == 1
    assert api.get("/api/v1/sims?q=89860012").get_json()["total"] == 1


def test_unknown_api_path_is_json(api_as):
    response = api_as("agent").get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_openapi_document_describes_the_contract(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/customers", "/api/v1/technicians",
                 "/api/v1/technicians/{technician_id}/location"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/customers"]["post"]["security"] == [{"BearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/auth/token"]["post"]
