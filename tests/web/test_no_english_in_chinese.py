"""Chinese mode leaves no English: every page, as every role, rendered in Simplified Chinese,
shows no untranslated label and no raw enumeration value (``on_site``, ``cash``…).

Words that stay as they are in Chinese usage (SIM, IMEI, GPS…) and the world's own data
(usernames, SKUs, plates) are allowed; everything else in Latin letters is a finding.
"""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from dispatch.auth.models import User
from dispatch.extensions import db
from tests.support.walk import walk

#: Latin words that Chinese pages use as they are.
KEPT = {"SIM", "IMEI", "ICCID", "GPS", "PDF", "CSV", "Excel", "VIN", "ID", "WO", "INV", "QR",
        "SKU", "English", "API", "GCJ", "WGS", "MAIN", "VROOM", "km", "min", "PNG", "JPEG",
        "OpenStreetMap", "Leaflet", "GT", "HZ", "TERM", "HARNESS", "RELAY", "IOT", "CNY", "RMB",
        "zh", "en", "OK", "GB", "GBK", "UTF", "XLSX", "MiB", "VAN", "VENDOR", "WORKSHOP",
        "model", "AD", "TK", "FUSE",  # examples in hints: 浙AD12345, model:TK915, FUSE-5A
        "uniqueId"}  # the tracking platform's field, named as the platform names it
#: Not labels: scripts, styles, and <code> (raw records: audit before/after, file columns).
HIDDEN = re.compile(r"<(script|style|code)\b.*?</\1>", re.S | re.I)
VISIBLE_ATTRIBUTE = re.compile(r'\s(?:placeholder|title|aria-label|alt)="([^"]*)"')
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[A-Za-z][A-Za-z_'’]*[A-Za-z]")


def visible_text(page: str) -> str:
    page = HIDDEN.sub(" ", page)
    shown = " ".join(VISIBLE_ATTRIBUTE.findall(page))
    return html.unescape(TAG.sub(" ", page) + " " + shown)


#: A setting's name (``DISPATCH_TRACKING_URL``) is written as it is set.
SETTING = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def english_words(text: str, data: set[str]) -> set[str]:
    return {word for word in WORD.findall(text)
            if word not in KEPT and word not in data and not SETTING.match(word)}


def test_no_english_left_on_any_page_in_chinese(app, make_user, walk_ids, world):
    users = {role: make_user(role, name="测试员") for role in
             ("agent", "manager", "dispatcher", "finance", "warehouse", "admin")}
    users["technician"] = walk_ids["_users"]["technician"]
    data = {word for user in db.session.scalars(select(User))
            for word in WORD.findall(user.username)}
    data |= set(WORD.findall(app.config["DISPATCH_COMPANY_NAME"]))
    data.add("Tech")  # the vans' names: their technician's name when made, before the rename
    findings: dict[str, set[str]] = {}
    for page in walk(app, make_user, walk_ids, language="zh_Hans", users=users):
        words = english_words(visible_text(page.html), data)
        if words:
            findings.setdefault(page.url, set()).update(words)
    assert not findings, "English on Chinese pages:\n" + "\n".join(
        f"{url}: {' '.join(sorted(words))}" for url, words in sorted(findings.items()))
