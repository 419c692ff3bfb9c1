"""Walk every HTML page of the app as each role, with the ids of a small world filled in.

Used by the tests that look at all pages at once (escaped attributes, untranslated labels).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask

from dispatch.auth.roles import ROLES
from tests.conftest import PASSWORD, csrf_from

#: Paths that are not HTML pages (files, service worker, sign-in flows, vendored assets).
SKIP = ("/static/", "/api/", "/healthz", "/login", "/set-password", "/tablet/sw.js",
        "/tablet/manifest", "/tablet/csrf", "/vendor/", ".pdf", ".csv", ".<fmt>", "/export")


@dataclass
class Page:
    role: str
    url: str
    html: str


def page_urls(app: Flask, ids: dict[str, Any]) -> list[str]:
    """Every GET page whose arguments ``ids`` can fill (by argument name)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or any(part in rule.rule for part in SKIP):
            continue
        if not all(argument in ids for argument in rule.arguments):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", str(ids[argument]))
        urls.append(path)
        if "order_id" in rule.arguments and "done_id" in ids:  # a finished order as well
            urls.append(path.replace(f"/{ids['order_id']}", f"/{ids['done_id']}"))
    return sorted(set(urls))


def walk(app: Flask, make_user, ids: dict[str, Any], language: str = "en",
         users: dict[str, Any] | None = None) -> Iterator[Page]:
    """Sign in as each role (or the given users) and yield every page that answers 200 HTML."""
    urls = page_urls(app, ids)
    for role in ROLES:
        user = (users or {}).get(role) or make_user(role)
        browser = app.test_client()
        login_page = browser.get("/login").get_data(as_text=True)
        signed_in = browser.post("/login", data={"username": user.username, "password": PASSWORD,
                                                 "csrf_token": csrf_from(login_page)})
        assert signed_in.status_code == 302
        if language != "en":
            browser.post("/language", data={
                "lang": language, "next": "/",
                "csrf_token": csrf_from(browser.get("/").get_data(as_text=True))})
        for url in urls:
            response = browser.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                yield Page(role, url, response.get_data(as_text=True))
