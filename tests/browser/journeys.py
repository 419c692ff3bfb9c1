"""Shared steps of the role journeys: sign in with a browser language and a screen size,
and save one screenshot per step under ``test-artifacts/journeys/`` (git-ignored)."""

from __future__ import annotations

from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD

LOCALES = {"en": "en-US", "zh": "zh-CN"}
DESKTOP = {"width": 1440, "height": 900}
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}


def open_as(browser, base: str, user, lang: str, viewport: dict[str, int] | None = None):
    context = browser.new_context(viewport=viewport or DESKTOP, locale=LOCALES[lang])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


class Steps:
    """Numbered screenshots of one journey: ``journeys/<name>-<lang>/NN-<step>.png``."""

    def __init__(self, name: str, lang: str):
        self.folder = ARTIFACTS / "journeys" / f"{name}-{lang}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def shot(self, page, step: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"), full_page=True)
