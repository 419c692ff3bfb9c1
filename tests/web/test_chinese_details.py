"""Chinese details that a page walk alone would not reach: history notes, the bilingual PDFs'
values, the two meanings of "Start" and "Completed", and the catalogue's contexts."""

from __future__ import annotations

from flask_babel import force_locale

from dispatch.labels import bilingual
from workorders.documents.jobs import sheet_data
from workorders.models import WorkOrder
from workorders.timeline import event_note


def test_history_notes_read_in_chinese(app):
    with app.test_request_context(), force_locale("zh_Hans"):
        assert event_note("swap", "terminal: HZ1 → HZ2") == "终端: HZ1 → HZ2"
        assert event_note("photo", "before #3") == "施工前 #3"
        assert event_note("complete", "fee 461.00").startswith("费用 ")
        assert "461.00" in event_note("complete", "fee 461.00")
        assert event_note("fee_override", "120.00: 老客户").startswith("费用改为 ")
        assert event_note("assign", "李师傅") == "李师傅"


def test_pdf_values_are_bilingual(app, walk_ids):
    order = app.extensions["sqlalchemy"].session.get(WorkOrder, walk_ids["done_id"])
    data = sheet_data(order)
    assert data["status"] == bilingual("completed") == "已完工 completed"
    assert data["payment"].startswith("现金 cash ")
    steps = " ".join(step for _when, step, _who in data["events"])
    assert "设备更换 device change 终端: HZ00000001 → HZ00000002" in steps
    assert "fee 300.00" not in steps and "费用改为" in steps


def test_one_english_word_two_meanings(client, login, make_user, world):
    manager = login(make_user("manager"))
    manager.post("/language", data={"lang": "zh_Hans", "next": "/", "csrf_token": _token(manager)})
    assert "<title>首页" in manager.get("/").get_data(as_text=True)
    runs = manager.get("/documents/runs").get_data(as_text=True)
    assert ">开始</button>" in runs and ">首页</button>" not in runs
    tablet = login(world.technician.user, fresh=True)
    tablet.post("/language", data={"lang": "zh_Hans", "next": "/", "csrf_token": _token(tablet)})
    assert "<h2>已完成</h2>" in tablet.get("/tablet/").get_data(as_text=True)


def _token(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/").get_data(as_text=True))
