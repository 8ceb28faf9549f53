"""The error pages as a visitor sees them in Chromium (screenshots in test-artifacts/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from aioserve import Document
from aioserve.application import Application
from aioserve.models import Div
from tests.browser.conftest import SESSION_LOOP

pytestmark = SESSION_LOOP


def hello(doc: Document) -> None:
    doc.add_root(Div(text="hello"))


def broken(doc: Document) -> None:
    raise RuntimeError("cannot open /srv/data/secret.csv")


def broken_metadata() -> dict[str, str]:
    raise ZeroDivisionError("metadata is broken")


APPS = {"/hello": hello, "/broken": broken,
        "/meta": Application(hello, metadata=broken_metadata)}


async def test_404_403_500_and_503_pages(live: Any, page: Page, screenshot: Any) -> None:
    server = await live(APPS)

    response = await page.goto(server.url("/no/such/page"))
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    await screenshot(page, "error-page-404")
    await page.get_by_role("link", name="Go to the start page").click()
    await expect(page.get_by_role("link", name=re.compile("hello"))).to_be_visible()  # index

    response = await page.goto(server.url("/hello", **{"aioserve-session-id": "a/b"}))
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    await screenshot(page, "error-page-403")

    response = await page.goto(server.url("/meta/metadata"))
    assert response is not None and response.status == 500
    await expect(page.get_by_role("heading", name="Server error")).to_be_visible()
    await expect(page.locator(".aio-error-id code")).to_have_text(re.compile(r"^[0-9a-f]{8}$"))
    await expect(page.get_by_text("ZeroDivisionError")).to_have_count(0)
    await screenshot(page, "error-page-500")

    server.state.draining = True
    response = await page.goto(server.url("/hello"))
    assert response is not None and response.status == 503
    await expect(page.get_by_role("heading", name="Unavailable for a moment")).to_be_visible()
    await screenshot(page, "error-page-503")


async def test_an_app_that_fails_to_build(live: Any, page: Page, screenshot: Any) -> None:
    server = await live(APPS)
    response = await page.goto(server.url("/broken"))
    assert response is not None and response.status == 500
    await expect(page.get_by_role("heading", name="This app failed to load")).to_be_visible()
    await expect(page.locator(".aio-error-id code")).to_have_text(re.compile(r"^[0-9a-f]{8}$"))
    await expect(page.get_by_text("secret.csv")).to_have_count(0)
    await screenshot(page, "app-failed-private")

    dev = await live(APPS, show_errors=True)
    await page.goto(dev.url("/broken"))
    await expect(page.locator("pre")).to_contain_text("RuntimeError: cannot open")
    await screenshot(page, "app-failed-show-errors")


async def test_the_index_marks_an_app_that_failed_its_startup_check(
        live: Any, page: Page, screenshot: Any, tmp_path: Path) -> None:
    (tmp_path / "typo.py").write_text("def oops(:\n")
    server = await live({"/hello": hello, "/typo": str(tmp_path / "typo.py")})
    await page.goto(server.url("/"))
    typo = page.get_by_role("link", name=re.compile("typo"))
    await expect(typo).to_contain_text("failed to load")
    await expect(page.get_by_role("link", name=re.compile("hello"))).not_to_contain_text(
        "failed")
    await screenshot(page, "index-with-a-broken-app")
    await typo.click()
    await expect(page.get_by_role("heading", name="This app failed to load")).to_be_visible()
