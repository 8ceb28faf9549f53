"""A person signs in through examples/auth in Chromium and the app greets them by name;
signing out takes them back to the login form."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "auth"
CONNECTED = "#aioserve-status[data-state=connected]"


async def _serve(live: Any, **options: Any) -> Any:
    return await live({"/app": EXAMPLE}, auth_module=str(EXAMPLE / "auth.py"),
                      enable_xsrf_cookies=True, cookie_secret=secrets.token_urlsafe(32),
                      **options)


async def test_login_through_the_form_reaches_the_app(live: Any, page: Page,
                                                      screenshot: Any) -> None:
    server = await _serve(live)
    await page.goto(server.url("/app"))
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert "/login?next=" in page.url
    await screenshot(page, "login-form")

    await page.get_by_label("Name").fill("demo")
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong name or password.")
    # The name typed stays; the cursor waits in the empty password field.
    await expect(page.get_by_label("Name")).to_have_value("demo")
    await expect(page.get_by_label("Password")).to_have_value("")
    await expect(page.get_by_label("Password")).to_be_focused()
    await screenshot(page, "login-wrong-password")

    await page.keyboard.type("demo-password")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_selector(CONNECTED)
    assert page.url == server.url("/app")
    await expect(page.get_by_text("Signed in as demo")).to_be_visible()

    await page.get_by_role("button", name="Click me").click()
    await expect(page.get_by_text("demo clicked 1 time(s).")).to_be_visible()
    await screenshot(page, "login-signed-in")

    await page.get_by_role("link", name="Sign out").click()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto(server.url("/app"))
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_login_under_a_prefix(live: Any, page: Page) -> None:
    server = await _serve(live, prefix="/team")
    await page.goto(server.url("/team/app"))
    await page.get_by_label("Name").fill("demo")
    await page.get_by_label("Password").fill("demo-password")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_selector(CONNECTED)
    assert page.url == server.url("/team/app")
    await expect(page.get_by_text("Signed in as demo")).to_be_visible()
    await expect(page.get_by_role("link", name="Sign out")).to_have_attribute(
        "href", "/team/logout")
