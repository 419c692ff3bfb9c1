"""Monthly statistics and their PDF, the care pages, handovers, notifications and R18 masking."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.handovers.log import Handover
from tests.care.factory import completed_order
from tests.conftest import csrf_from, post_form
from tests.support.clock import local_today
from workorders.care import complaints
from workorders.care.models import Callback, Complaint
from workorders.care.stats import build_monthly_report_pdf, monthly_stats


def _october(world, make_user, monkeypatch):
    agent, manager = make_user("agent"), make_user("manager")
    start = datetime(2026, 10, 5, 2, tzinfo=UTC)
    for i, severity in enumerate(("minor", "major", "critical", "major")):
        monkeypatch.setattr(complaints, "utcnow", lambda i=i: start + timedelta(days=i))
        complaint = complaints.register_complaint(
            {"customer_id": world.customer.id, "severity": severity, "channel": "hotline",
             "description": "终端掉线"}, agent)
        if i < 2:
            monkeypatch.setattr(complaints, "utcnow", lambda i=i: start + timedelta(days=2 * i + 1))
            complaints.resolve_complaint(complaint, {
                "resolution": "处理完毕", "cause": "device" if i else "service",
                "responsible_department": "field_service"}, manager)
    order = completed_order(world, agent, "repair", start)
    db.session.add_all([Callback(workorder_id=order.id, user_id=agent.id, reached=False,
                                 at=start),
                        Callback(workorder_id=order.id, user_id=agent.id, reached=True,
                                 satisfaction=4, at=start + timedelta(hours=1))])
    db.session.commit()


def test_monthly_figures_and_pdf_with_chinese(world, make_user, monkeypatch):
    _october(world, make_user, monkeypatch)
    stats = monthly_stats(2026, 10)
    assert stats["complaints"] == 4
    assert stats["by_severity"] == {"minor": 1, "major": 2, "critical": 1}
    assert stats["by_cause"]["device"] == 1 and stats["by_cause"]["service"] == 1
    assert stats["by_department"]["field_service"] == 2 and stats["by_department"]["unassigned"] == 2
    assert stats["resolve_days"] == {"count": 2, "mean": 1.5, "median": 1.5, "max": 2.0}
    assert stats["callbacks"]["attempts"] == 2 and stats["callbacks"]["mean_satisfaction"] == 4
    assert monthly_stats(2026, 9)["complaints"] == 0
    pdf = build_monthly_report_pdf(stats)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "客户服务月度统计" in text and "2026-10" in text and "严重" in text
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    embedded = [f for f in fonts if "WenQuanYi" in f["/BaseFont"]]
    assert embedded and "/FontFile2" in embedded[0]["/FontDescriptor"]  # the TTF is embedded


def test_stats_pages_pdf_download_and_cli(world, make_user, login, client, monkeypatch, runner,
                                          app, tmp_path):
    _october(world, make_user, monkeypatch)
    login(make_user("manager"))
    page = client.get("/care/stats?month=2026-10")
    assert page.status_code == 200 and "2026-10" in page.get_data(as_text=True)
    pdf = client.get("/care/stats.pdf?month=2026-10")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/care/stats?month=2026-13").status_code == 422
    app.config["FILE_STORAGE"] = str(tmp_path)
    result = runner.invoke(args=["monthly-report", "--month", "2026-10"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "reports" / "care-2026-10.pdf"
    assert written.read_bytes().startswith(b"%PDF")
    assert runner.invoke(args=["monthly-report", "--month", "oct"]).exit_code != 0


def test_stats_open_on_the_current_month_with_a_picker_and_charts(world, make_user, login,
                                                                   client):
    login(make_user("manager"))
    current = local_today().strftime("%Y-%m")
    html = client.get("/care/stats").get_data(as_text=True)
    assert f'value="{current}"' in html and 'id="previous-month"' in html
    assert 'id="next-month"' not in html  # nothing after the current month
    assert html.count("<svg") >= 4 and 'id="chart-by_severity"' in html and "style=" not in html
    assert "cdn" not in html.lower()
    older = client.get("/care/stats?month=2026-10").get_data(as_text=True)
    assert 'href="/care/stats?month=2026-09"' in older and 'href="/care/stats?month=2026-11"' in older


def test_complaint_pages(world, make_user, login, client):
    login(make_user("agent"))
    response = post_form(client, "/care/complaints/new", {
        "customer_id": world.customer.id, "severity": "minor", "channel": "mail",
        "description": "发票开错", "resolution": ""})
    assert response.status_code == 302
    complaint = db.session.scalars(select(Complaint)).one()
    show = client.get(response.headers["Location"]).get_data(as_text=True)
    assert complaint.number in show
    refused = post_form(client, "/care/complaints/new", {"customer_id": "", "severity": "minor",
                                                         "channel": "mail", "description": ""})
    assert refused.status_code == 422 and db.session.scalar(select(func.count(Complaint.id))) == 1
    url = f"/care/complaints/{complaint.id}"
    resolved = post_form(client, url, {"resolution": "重开发票", "cause": "billing",
                                       "responsible_department": "finance"}, f"{url}/resolve")
    assert resolved.status_code == 302
    closing = post_form(client, url, {}, f"{url}/close")
    assert closing.status_code == 409
    for view in ("open", "overdue", "due_soon", "no_notice", "all"):
        assert client.get(f"/care/complaints?view={view}").status_code == 200


def test_order_page_shows_callbacks_and_complaint_link(world, make_user, login, client):
    agent = make_user("agent")
    order = completed_order(world, agent, "repair", datetime(2026, 5, 1, tzinfo=UTC))
    db.session.add(Callback(workorder_id=order.id, user_id=agent.id, reached=True,
                            satisfaction=5, notes="很满意"))
    db.session.commit()
    login(agent)
    page = client.get(f"/workorders/{order.id}").get_data(as_text=True)
    assert 'id="order-callbacks"' in page and "很满意" in page
    assert f"workorder_id={order.id}" in page


def test_care_pages_refuse_other_roles(world, make_user, login, client):
    login(make_user("warehouse"))
    for url in ("/care/complaints", "/care/callbacks", "/care/stats", "/care/audit",
                "/incentives/", "/handovers"):
        assert client.get(url).status_code == 403, url


def test_audit_and_incentive_pages(world, make_user, login, client):
    manager = make_user("manager")
    for day in range(1, 7):
        completed_order(world, manager, "repair", datetime(2026, 4, day, 3, tzinfo=UTC))
    db.session.commit()
    login(manager)
    drawn = post_form(client, "/care/audit?year=2026&quarter=2", {"year": 2026, "quarter": 2,
                                                                    "seed": 7})
    assert drawn.status_code == 302
    page = client.get("/care/audit?year=2026&quarter=2").get_data(as_text=True)
    assert page.count('name="result"') == 2  # ceil(6 × 20 %)
    assert client.get("/incentives/?month=2026-04").status_code == 200
    saved = post_form(client, "/incentives/?month=2026-04", {"removal": "0.8"},
                      "/incentives/points?month=2026-04")
    assert saved.status_code == 302
    bad = post_form(client, "/incentives/?month=2026-04", {"removal": "-1"},
                    "/incentives/points?month=2026-04")
    assert bad.status_code == 422
    xlsx = client.get("/incentives/export?month=2026-04&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get("/incentives/export?month=2026-04").mimetype == "text/csv"


def test_handover_written_acknowledged_and_bannered(world, make_user, login, app):
    outgoing, incoming = make_user("agent"), make_user("dispatcher")
    first = login(outgoing, fresh=True)
    saved = post_form(first, "/handovers", {"open_problems": "顺达物流投诉未回复",
                                            "pending_items": "明早回访 WO-1"})
    assert saved.status_code == 302
    handover = db.session.scalars(select(Handover)).one()
    second = login(incoming, fresh=True)
    page = second.get("/workorders/").get_data(as_text=True)
    assert 'id="handover-banner"' in page
    assert 'id="handover-banner"' not in first.get("/workorders/").get_data(as_text=True)
    own = first.post(f"/handovers/{handover.id}/acknowledge",
                     data={"csrf_token": csrf_from(page)})
    assert own.status_code in (400, 409)
    listing = second.get("/handovers").get_data(as_text=True)
    ack = second.post(f"/handovers/{handover.id}/acknowledge",
                      data={"csrf_token": csrf_from(listing)})
    assert ack.status_code == 302
    db.session.refresh(handover)
    assert handover.acknowledged_by_id == incoming.id
    assert 'id="handover-banner"' not in second.get("/workorders/").get_data(as_text=True)
    empty = post_form(second, "/handovers", {"open_problems": " "})
    assert empty.status_code == 422 and db.session.scalar(select(func.count(Handover.id))) == 1


def test_critical_complaint_notifies_managers_in_the_top_bar(world, make_user, login, client):
    manager = make_user("manager")
    assert world.agent.post("/api/v1/complaints", json={
        "customer_id": world.customer.id, "severity": "critical", "channel": "hotline",
        "description": "车辆被盗后定位失效"}).status_code == 201
    login(manager)
    page = client.get("/notifications").get_data(as_text=True)
    assert "车辆被盗" not in page and "Critical complaint" in page
    client.post("/notifications", data={"csrf_token": csrf_from(page)})
    assert 'class="unread"' not in client.get("/notifications").get_data(as_text=True)


def test_confidential_contact_data_is_masked_for_finance(world, api_as, make_user, login, client):
    world.customer.confidentiality = "confidential"
    world.customer.credit_class = "D"
    db.session.commit()
    created = world.agent.post("/api/v1/workorders", json={
        "kind": "repair", "customer_id": world.customer.id, "plate": "浙A12345",
        "contact_name": "王伟", "contact_phone": "13800138000", "product_model": "GT06N",
        "fault_description": "不上线", "address": "浙江省杭州市西湖区文三路100号"})
    order_id = created.get_json()["id"]
    shown = world.dispatcher.get(f"/api/v1/workorders/{order_id}").get_json()
    assert shown["contact_phone"] == "+8613800138000" and shown["contact_name"] == "王伟"
    masked = api_as("finance").get(f"/api/v1/workorders/{order_id}").get_json()
    assert masked["contact_phone"] == "**********8000" and masked["contact_name"] == "王**"
    assert masked["site_address"] == "浙江省杭州市…"
    listed = api_as("warehouse").get("/api/v1/workorders").get_json()["items"][0]
    assert listed["site_address"] == "浙江省杭州市…"
    agent_page = login(make_user("agent"), fresh=True).get(
        f"/workorders/new?customer_id={world.customer.id}").get_data(as_text=True)
    assert 'id="credit-warning" data-credit-warning>' in agent_page  # shown, not hidden
    login(make_user("finance"))
    page = client.get(f"/workorders/{order_id}").get_data(as_text=True)
    assert "13800138000" not in page and "8000" in page and 'id="credit-warning"' in page
