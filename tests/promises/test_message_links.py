"""The customer link is a secret: a stored message keeps ``${link}`` where it goes and the real
link is put in only when the message is sent (#22). The order page's message log shows the text
with the link's place marked; messages stored before this change are rewritten by 0023."""

from __future__ import annotations

import re

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from dispatch.extensions import db
from dispatch.jobs import outbox
from dispatch.notify.models import Message
from dispatch.notify.templates import LINK
from tests.world import repair_request
from workorders.models import WorkOrder

TOKEN = re.compile(r"/t/[A-Za-z0-9_-]{43}")


def _approved(world) -> int:
    order_id = world.agent.post("/api/v1/workorders", json=repair_request(world)).get_json()["id"]
    assert world.manager.post(f"/api/v1/workorders/{order_id}/approve").status_code == 200
    outbox.drain()
    return order_id


def test_the_message_log_page_shows_the_text_with_the_link_masked(world, make_user, login):
    order_id = _approved(world)
    page = login(make_user("manager"), fresh=True).get(f"/workorders/{order_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    log = html[html.index('id="customer-messages"'):]
    log = log[:log.index("</table>")]
    number = db.session.get(WorkOrder, order_id).number
    assert number in log and "查看进度" in log and "[customer link]" in log
    assert not TOKEN.search(log) and "${link}" not in log


def test_no_stored_message_holds_a_token(world):
    order_id = _approved(world)
    db.session.expire_all()
    (message,) = db.session.scalars(select(Message).where(Message.order_id == order_id))
    assert message.status == "sent" and LINK in message.body
    assert not TOKEN.search(message.body + message.subject)


def test_migration_0023_rewrites_stored_links_to_the_placeholder(app, world):
    order_id = _approved(world)
    link = world.agent.get(f"/api/v1/workorders/{order_id}").get_json()["tracking_url"]
    db.session.expire_all()
    (message,) = db.session.scalars(select(Message).where(Message.order_id == order_id))
    message_id, stored = message.id, message.body
    db.session.rollback()
    downgrade(revision="0022")
    # What the code before 0023 stored: the full link in the body (twice here, and a staff
    # page link that is no secret and stays).
    old_body = stored.replace(LINK, link) + f"\n{link}?x=1 http://127.0.0.1:5000/workorders/{order_id}"
    db.session.execute(text("UPDATE customer_messages SET body = :body WHERE id = :id"),
                       {"body": old_body, "id": message_id})
    db.session.commit()
    upgrade()
    body = db.session.scalar(text("SELECT body FROM customer_messages WHERE id = :id"),
                             {"id": message_id})
    db.session.rollback()
    assert not TOKEN.search(body)
    assert body == stored + f"\n{LINK}?x=1 http://127.0.0.1:5000/workorders/{order_id}"
