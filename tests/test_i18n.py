"""Every user-facing string has a Simplified Chinese translation, and pages switch language."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "dispatch/translations/zh_Hans/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
METHODS = [("dispatch/**.py", "python"), ("workorders/**.py", "python"),
           ("inventory/**.py", "python"), ("templates/**.html", "jinja2")]


def _source_messages() -> set[tuple[str, str | None]]:
    """(msgid, context) of every wrapped string: one English word may mean two things."""
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS,
    ):
        found.add((message if isinstance(message, str) else message[0], context))
    return {m for m in found if m[0]}


def test_every_message_is_translated_with_the_same_placeholders():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    translations = {(message.id, message.context): message.string
                    for message in catalog if message.id}
    missing = sorted(m for m in _source_messages() if not translations.get(m))
    assert ("begin a document run", "Start") not in translations  # (msgid, context) order
    assert translations[("Start", "begin a document run")] != translations[("Start", None)]
    assert not missing, f"untranslated (add them to {PO.name}): {missing}"
    for (msgid, _context), msgstr in translations.items():
        assert sorted(re.findall(r"%\(\w+\)\w", msgid)) == sorted(
            re.findall(r"%\(\w+\)\w", msgstr)), msgid


def test_language_switch_and_browser_preference(client, make_user, login):
    assert "登录" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
        as_text=True)
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page
    client.post("/language", data={"lang": "zh_Hans", "next": "/login",
                                   "csrf_token": csrf_from(page)})
    assert "用户名" in client.get("/login").get_data(as_text=True)
    login(make_user("agent"))
    assert "客户" in client.get("/customers").get_data(as_text=True)


def test_api_errors_follow_the_language(api_as):
    api = api_as("agent")
    response = api.post("/api/v1/customers", json={
        "name": "x", "contact_name": "y", "phone": "1", "address": "z"},
        headers={"Accept-Language": "zh-CN"})
    assert "电话号码" in response.get_json()["error"]["fields"]["phone"]
