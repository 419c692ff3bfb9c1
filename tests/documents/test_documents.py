"""Documents in embedded mode (jobs in-process): built once, readable back, access-checked."""

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.jobs import outbox, runner
from dispatch.jobs.models import Job
from tests.documents.conftest import complete_repair_with_swap, pdf_text
from tests.support.clock import local_today


def _documents(api, order_id):
    outbox.drain()
    response = api.get(f"/api/v1/workorders/{order_id}/documents")
    assert response.status_code == 200
    return {item["kind"]: item for item in response.get_json()["items"]}


def test_completion_produces_sheet_invoice_and_return_tag(world):
    order_id = complete_repair_with_swap(world)
    docs = _documents(world.tech, order_id)
    assert {k: d["status"] for k, d in docs.items()} == {
        "service_sheet": "done", "invoice_pdf": "done", "return_tag": "done"}
    order = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()
    sheet = world.tech.get(docs["service_sheet"]["url"])
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    text = pdf_text(sheet.data)
    for expected in (order["number"], "浙A12345", "杭州顺达物流有限公司", "HZ00000001",
                     "HZ00000002", "CN¥425.00", "维修服务单"):
        assert expected in text, expected
    invoice = pdf_text(world.agent.get(docs["invoice_pdf"]["url"]).data)
    assert "INV-" in invoice and "CN¥425.00" in invoice and "杭州顺达物流有限公司" in invoice
    tag = pdf_text(world.agent.get(docs["return_tag"]["url"]).data)
    assert "浙A12345" in tag and "不上线" in tag and "HZ00000001" in tag and "HZ00000002" in tag


def test_documents_follow_the_order_visibility(world, api_as):
    order_id = complete_repair_with_swap(world)
    docs = _documents(world.tech, order_id)
    assert world.other_tech.get(f"/api/v1/workorders/{order_id}/documents").status_code == 404
    assert world.other_tech.get(docs["service_sheet"]["url"]).status_code == 404
    assert api_as(None).get(docs["service_sheet"]["url"]).status_code == 401
    assert api_as("finance").get(docs["invoice_pdf"]["url"]).status_code == 200


def test_a_job_runs_once_and_one_order_version_gets_one_sheet(world):
    order_id = complete_repair_with_swap(world)
    outbox.drain()
    sheet = db.session.scalars(select(Job).where(Job.kind == "service_sheet")).one()
    assert runner.run_job(sheet.id) is None  # already done: not run again
    from workorders.documents.jobs import request_sheet
    from workorders.models import WorkOrder

    again = request_sheet(db.session.get(WorkOrder, order_id), None)
    assert again.id == sheet.id
    assert db.session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == "service_sheet")) == 1


def test_a_rolled_back_transaction_leaves_no_job(world, monkeypatch):
    relayed = []
    monkeypatch.setattr(outbox, "relay", lambda ids, queues=None: relayed.append(ids))
    from workorders.documents.jobs import request_sheet
    from workorders.models import WorkOrder

    order = db.session.scalars(select(WorkOrder)).first() or None
    if order is None:
        from tests.world import order_on_site

        order = db.session.get(WorkOrder, order_on_site(world))
    # The order's own steps queued messages to the customer (issue 22): only the sheet counts.
    before = list(relayed)
    request_sheet(order, None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == "service_sheet")) == 0
    db.session.commit()
    assert relayed == before


def test_failed_job_shows_the_reason_and_can_be_retried(world, monkeypatch):
    original = runner.HANDLERS["service_sheet"]

    def broken(job):
        raise RuntimeError("printer on fire")

    monkeypatch.setitem(runner.HANDLERS, "service_sheet", broken)
    order_id = complete_repair_with_swap(world)
    sheet = _documents(world.tech, order_id)["service_sheet"]
    assert sheet["status"] == "failed" and "printer on fire" in sheet["error"]
    monkeypatch.setitem(runner.HANDLERS, "service_sheet", original)
    assert world.other_tech.post(f"/api/v1/documents/{sheet['id']}/retry").status_code == 404
    retried = world.tech.post(f"/api/v1/documents/{sheet['id']}/retry")
    assert retried.status_code == 200
    assert _documents(world.tech, order_id)["service_sheet"]["status"] == "done"
    assert world.tech.post(f"/api/v1/documents/{sheet['id']}/retry").status_code == 409


def test_month_end_pack_issues_owed_invoices_and_renders_all(world, api_as):
    from tests.world import order_on_site, signature_png
    from workorders.finance.invoices import Invoice

    order_id = order_on_site(world)
    base = f"/api/v1/workorders/{order_id}"
    world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P"})
    on_account = world.tech.post(f"{base}/complete", json={
        "resolution": "换继电器", "payment_method": "on_account", "amount_collected": "0",
        "signature_png_base64": signature_png()})
    assert on_account.get_json()["invoice_number"] is None
    finance = api_as("finance")
    month = local_today().strftime("%Y-%m")
    assert world.tech.post("/api/v1/documents/invoice-pack", json={"month": month}).status_code == 403
    assert finance.post("/api/v1/documents/invoice-pack", json={"month": "2026-13"}).status_code == 422
    run = finance.post("/api/v1/documents/invoice-pack", json={"month": month})
    assert run.status_code == 202
    outbox.drain()
    status = finance.get(f"/api/v1/documents/{run.get_json()['id']}").get_json()
    assert status["status"] == "done" and status["progress"] == 100
    invoice = db.session.scalars(select(Invoice)).one()
    assert invoice.order_id == order_id and invoice.status == "issued"
    assert invoice.number in pdf_text(finance.get(status["url"]).data)
    assert world.agent.get(status["url"]).status_code == 404


def test_monthly_report_is_scheduled_once_per_month_and_built(world, api_as):
    outbox.sweep()
    outbox.sweep()
    outbox.drain()
    reports = db.session.scalars(select(Job).where(Job.kind == "monthly_report")).all()
    assert len(reports) == 1 and reports[0].status == "done"
    text = pdf_text(api_as("manager").get(f"/api/v1/documents/{reports[0].id}/pdf").data)
    assert reports[0].params["month"] in text


def test_the_runs_page_offers_today_in_the_configured_zone(new_years_eve, make_user, login):
    page = login(make_user("manager")).get("/documents/runs").get_data(as_text=True)
    assert 'name="month" type="month" value="2027-01"' in page
    assert 'name="date" type="date" value="2027-01-01"' in page


def _on_account_orders(world, count: int) -> list[int]:
    from tests.world import order_on_site, signature_png

    ids = []
    for _ in range(count):
        order_id = order_on_site(world)
        base = f"/api/v1/workorders/{order_id}"
        assert world.tech.post(f"{base}/parts", json={"sku": "RELAY-5P"}).status_code == 201
        assert world.tech.post(f"{base}/complete", json={
            "resolution": "换继电器", "payment_method": "on_account", "amount_collected": "0",
            "signature_png_base64": signature_png()}).status_code == 200
        ids.append(order_id)
    return ids


def test_a_long_month_end_pack_is_rendered_in_parts_each_once(world, api_as, monkeypatch):
    """#23: more than ``PACK_PART`` invoices go into parts any worker may take; the run joins
    them in number order; each invoice issued once, each part rendered once."""
    from workorders.documents import bulk
    from workorders.finance.invoices import Invoice

    monkeypatch.setattr(bulk, "PACK_PART", 2)
    _on_account_orders(world, 5)
    outbox.drain()
    finance = api_as("finance")
    run = finance.post("/api/v1/documents/invoice-pack", json={"month": local_today().strftime("%Y-%m")})
    assert run.status_code == 202
    outbox.drain()
    status = finance.get(f"/api/v1/documents/{run.get_json()['id']}").get_json()
    assert status["status"] == "done" and status["progress"] == 100
    numbers = list(db.session.scalars(select(Invoice.number).order_by(Invoice.year, Invoice.seq)))
    assert len(numbers) == len(set(numbers)) == 5
    text = pdf_text(finance.get(status["url"]).data)
    assert [text.index(number) for number in numbers] == sorted(text.index(n) for n in numbers)
    parts = db.session.scalars(select(Job).where(Job.kind == "invoice_pack_part")
                               .order_by(Job.id)).all()
    assert [len(part.params["invoice_ids"]) for part in parts] == [2, 2, 1]
    assert all(part.status == "done" and part.attempts == 1 for part in parts)


def test_a_failed_part_of_a_month_end_pack_is_retried_alone(world, api_as, monkeypatch):
    from workorders.documents import bulk

    monkeypatch.setattr(bulk, "PACK_PART", 2)
    _on_account_orders(world, 5)
    outbox.drain()
    original, calls = runner.HANDLERS["invoice_pack_part"], []

    def flaky(job):
        calls.append(job.id)
        if len(calls) == 2:
            raise RuntimeError("printer on fire")
        return original(job)

    monkeypatch.setitem(runner.HANDLERS, "invoice_pack_part", flaky)
    finance = api_as("finance")
    run = finance.post("/api/v1/documents/invoice-pack", json={"month": local_today().strftime("%Y-%m")})
    outbox.drain()
    status = finance.get(f"/api/v1/documents/{run.get_json()['id']}").get_json()
    assert status["status"] == "done"
    parts = db.session.scalars(select(Job).where(Job.kind == "invoice_pack_part")
                               .order_by(Job.id)).all()
    assert [part.attempts for part in parts] == [1, 2, 1]
    assert sorted(calls) == sorted([parts[0].id, parts[1].id, parts[1].id, parts[2].id])


def test_a_month_end_pack_run_again_reuses_its_parts(world, api_as, monkeypatch):
    """A rerun (the sweep after the run's worker died) renders no part twice."""
    from workorders.documents import bulk

    monkeypatch.setattr(bulk, "PACK_PART", 2)
    _on_account_orders(world, 3)
    outbox.drain()
    finance = api_as("finance")
    run_id = finance.post("/api/v1/documents/invoice-pack",
                          json={"month": local_today().strftime("%Y-%m")}).get_json()["id"]
    outbox.drain()
    assert finance.get(f"/api/v1/documents/{run_id}").get_json()["status"] == "done"
    pack = db.session.get(Job, run_id)
    pack.status = "queued"  # what the sweep does to a run whose worker died
    db.session.commit()
    runner.run_job(run_id)
    db.session.expire_all()
    parts = db.session.scalars(select(Job).where(Job.kind == "invoice_pack_part")).all()
    assert [(len(p.params["invoice_ids"]), p.attempts) for p in parts] == [(2, 1), (1, 1)]
    again = finance.get(f"/api/v1/documents/{run_id}").get_json()
    assert again["status"] == "done" and again["progress"] == 100
