"""Registry pages: create, edit, search, field errors, confidentiality and the audit trail."""

import re

import pytest
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.registry.models import Customer, Vehicle
from tests.conftest import post_form

CUSTOMER = {"name": "杭州安运物流有限公司", "contact_name": "陈静", "phone": "13900139000",
            "address": "浙江省杭州市滨江区江南大道88号", "lat": "30.21", "lon": "120.21",
            "confidentiality": "ordinary", "credit_class": "A", "notes": ""}


def test_agent_creates_and_edits_a_customer_and_the_audit_shows_it(client, login, make_user):
    agent = make_user("agent")
    login(agent)
    response = post_form(client, "/customers/new", CUSTOMER)
    assert response.status_code == 302
    customer = db.session.scalars(select(Customer)).one()
    assert customer.phone == "+8613900139000"
    edit = post_form(client, f"/customers/{customer.id}/edit",
                     {**CUSTOMER, "contact_name": "赵敏", "credit_class": "C"})
    assert edit.status_code == 302
    assert "陈静" not in client.get(f"/customers/{customer.id}").get_data(as_text=True), \
        "agents do not see the audit trail"
    manager = login(make_user("manager"), fresh=True)
    page = manager.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert re.search(r"Change history.*陈静.*赵敏", page, re.S), "history shows before and after"
    audit = manager.get("/audit?entity=customers").get_data(as_text=True)
    assert re.search(rf"update.*customers #{customer.id}.*陈静.*赵敏", audit, re.S)


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "12"), ("name", ""), ("lat", "91"), ("credit_class", "E"),
])
def test_bad_customer_input_shows_a_field_error_and_saves_nothing(client, login, make_user,
                                                                   field, value):
    login(make_user("agent"))
    response = post_form(client, "/customers/new", {**CUSTOMER, field: value})
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_vehicle_plate_is_normalised_and_bad_plate_refused(client, login, make_user):
    login(make_user("agent"))
    post_form(client, "/customers/new", CUSTOMER)
    customer = db.session.scalars(select(Customer)).one()
    bad = post_form(client, f"/customers/{customer.id}/vehicles/new", {"plate": "浙Z1"})
    assert bad.status_code == 422 and 'id="e-plate"' in bad.get_data(as_text=True)
    good = post_form(client, f"/customers/{customer.id}/vehicles/new",
                     {"plate": "浙ａ ＡＢ１２３", "vin": "", "description": "冷藏车"})
    assert good.status_code == 302
    assert db.session.scalars(select(Vehicle)).one().plate == "浙AAB123"
    assert "杭州安运物流" in client.get("/customers?q=ab123").get_data(as_text=True)
    assert "杭州安运物流" not in client.get("/customers?q=zz999").get_data(as_text=True)


def test_terminal_and_sim_pages_validate(client, login, make_user):
    login(make_user("warehouse"))
    bad = post_form(client, "/terminals/new", {"terminal_id": "T9000", "model": "GT06",
                                               "imei": "490154203237517"})
    assert bad.status_code == 422 and 'id="e-imei"' in bad.get_data(as_text=True)
    assert post_form(client, "/terminals/new", {"terminal_id": "T9000", "model": "GT06",
                                                "imei": "490154203237518"}).status_code == 302
    bad_sim = post_form(client, "/sims/new", {"iccid": "8986001234567890121"})
    assert bad_sim.status_code == 422 and 'id="e-iccid"' in bad_sim.get_data(as_text=True)
    assert post_form(client, "/sims/new", {"iccid": "8986001234567890120"}).status_code == 302
    assert "490154203237518" in client.get("/terminals?q=4901").get_data(as_text=True)


def test_secret_customer_hidden_from_agents(client, login, make_user, api_as):
    manager_api = api_as("manager")
    secret = manager_api.post("/api/v1/customers", json={
        **CUSTOMER, "lat": 30.2, "lon": 120.2, "name": "保密单位", "confidentiality": "secret",
    }).get_json()
    login(make_user("agent"))
    assert "保密单位" not in client.get("/customers").get_data(as_text=True)
    assert client.get(f"/customers/{secret['id']}").status_code == 404


@pytest.mark.parametrize(("role", "path", "status"), [
    ("technician", "/customers", 403), ("technician", "/terminals", 403),
    ("finance", "/customers/new", 403), ("agent", "/technicians/", 403),
    ("agent", "/audit", 403), ("dispatcher", "/technicians/", 200), ("admin", "/audit", 200),
    ("warehouse", "/terminals/new", 200), ("dispatcher", "/terminals/new", 403),
])
def test_pages_check_the_role(client, login, make_user, role, path, status):
    login(make_user(role))
    assert client.get(path).status_code == status


def test_pages_need_sign_in(client):
    for path in ("/", "/customers", "/terminals", "/sims", "/technicians/", "/audit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
