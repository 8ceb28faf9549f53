"""Errors in callbacks become notices; HTML from objects stays in its sandbox."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from aioserve import Document
from aioserve.models import Button, Column, Div, Pane, Tabs

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py


def failing_app(doc: Document) -> None:
    out = Div(text="0 good clicks", name="out")
    good = Button(label="Works")
    bad = Button(label="Breaks", button_type="danger")
    slow_bad = Button(label="Breaks later", button_type="warning")
    clicks = {"n": 0}

    def ok() -> None:
        clicks["n"] += 1
        out.text = f"{clicks['n']} good clicks"

    def broken() -> None:
        raise ZeroDivisionError("the app divided by zero")

    async def broken_later() -> None:
        await asyncio.sleep(0)
        raise KeyError("missing-key")

    good.on_click(ok)
    bad.on_click(broken)
    slow_bad.on_click(broken_later)
    doc.add_root(Column(good, bad, slow_bad, out))


async def test_a_callback_error_shows_a_generic_notice_with_the_logged_error_id(
        live: Any, page: Page, screenshot: Any, caplog: Any) -> None:
    """Visitors see that something went wrong and an id to quote; never the details."""
    server = await live({"/fails": failing_app})
    await server.open(page, "/fails")
    session = server.session("/fails")

    await page.get_by_role("button", name="Breaks", exact=True).click()
    alert = page.get_by_role("alert").filter(has_text="Something went wrong in this app.")
    await expect(alert).to_be_visible()
    text = await alert.locator(".aio-toast-text").inner_text()
    error_id = re.fullmatch(r"Something went wrong in this app\. Error id: ([0-9a-f]{8})", text)
    assert error_id is not None, text
    notice = page.get_by_role("alert").filter(has_text=error_id[1])
    await expect(page.get_by_text("divided by zero")).to_have_count(0)
    await expect(page.get_by_text("ZeroDivisionError")).to_have_count(0)
    await screenshot(page, "callback-error-notice-private")
    logged = [r for r in caplog.records if f"(error id {error_id[1]})" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert session.id in logged[0].getMessage() and "/fails" in logged[0].getMessage()
    assert "the app divided by zero" in str(logged[0].exc_info[1])

    # The same error again: the same id, one notice with a count, one traceback logged.
    await page.get_by_role("button", name="Breaks", exact=True).click()
    await expect(notice).to_contain_text("×2")
    await expect(page.get_by_role("alert")).to_have_count(1)
    assert len([r for r in caplog.records if r.exc_info is not None]) == 1

    await page.get_by_role("button", name="Breaks later").click()
    await expect(page.get_by_role("alert")).to_have_count(2)  # another callback: its own id

    await notice.get_by_role("button", name="Dismiss notice").click()
    await expect(notice).to_have_count(0)
    await expect(page.get_by_role("alert")).to_have_count(1)

    await page.get_by_role("button", name="Works").click()
    await expect(page.get_by_text("1 good clicks")).to_be_visible()
    assert server.sessions("/fails") == [session] and session.callback_errors == 3
    assert await page.locator("#aioserve-status").get_attribute("data-state") == "connected"


async def test_under_dev_a_callback_error_shows_its_message(
        live: Any, page: Page, screenshot: Any) -> None:
    server = await live({"/fails": failing_app}, dev=True)
    await server.open(page, "/fails")
    await page.get_by_role("button", name="Breaks", exact=True).click()
    notice = page.get_by_role("alert").filter(has_text="ZeroDivisionError")
    await expect(notice).to_contain_text("the app divided by zero")
    await expect(notice).to_contain_text("failing_app.<locals>.broken")  # which callback
    await expect(notice).to_contain_text(re.compile(r"\(error id [0-9a-f]{8}\)"))
    await screenshot(page, "callback-error-notice-dev")
    await page.get_by_role("button", name="Breaks later").click()
    await expect(page.get_by_role("alert").filter(has_text="KeyError")).to_be_visible()


class Hostile:
    """HTML that tries every way to run script in the page."""

    def _repr_html_(self) -> str:
        return ("<p id='inside'>Hello from <b>HTML</b></p>"
                "<script>parent.document.title = 'pwned'; window.top.pwned = 1;</script>"
                "<img src='data:,' onerror='parent.document.title = \"pwned\"'>"
                "<a id='link' href='javascript:parent.document.title=\"pwned\"'>click</a>"
                "<form action='/'><button id='go'>go</button></form>")


class ScriptedSvg:
    def _repr_svg_(self) -> str:
        return ("<svg xmlns='http://www.w3.org/2000/svg' width='120' height='40'>"
                "<script>parent.document.title = 'pwned'</script>"
                "<rect width='120' height='40' fill='teal'/></svg>")


class Table:
    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th>{i}</th><td>{i * 1.5}</td><td>row {i}</td></tr>"
                       for i in range(8))
        return ("<table border='1' class='dataframe'><thead><tr><th></th><th>value</th>"
                f"<th>label</th></tr></thead><tbody>{rows}</tbody></table>")


class Short:
    def _repr_html_(self) -> str:
        return "<em>one line</em>"


async def test_pane_html_cannot_run_script(live: Any, page: Page, screenshot: Any) -> None:
    def app(doc: Document) -> None:
        doc.title = "Panes"
        doc.add_root(Column(Pane(Hostile(), name="hostile"), Pane(ScriptedSvg()),
                            Pane(Table(), name="table"), Pane(Short(), name="short"),
                            Tabs(("Now", Div(text="first tab")),
                                 ("Later", Pane(Table(), name="later")))))

    server = await live({"/panes": app})
    await server.open(page, "/panes")
    frame = page.frame_locator("[data-name=hostile] iframe")
    await expect(frame.locator("#inside")).to_have_text("Hello from HTML")
    sandbox = await page.locator("[data-name=hostile] iframe").get_attribute("sandbox")
    assert sandbox is not None and "allow-scripts" not in sandbox.split()
    await frame.locator("#link").click()
    await frame.locator("#go").click()
    await page.wait_for_timeout(200)
    assert await page.title() == "Panes"
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("#aioserve-status").get_attribute("data-state") == "connected"
    assert server.session("/panes").document.title == "Panes"
    # An SVG is shown as an image, where its script never runs.
    await expect(page.locator("[data-mime='image/svg+xml'] img")).to_be_visible()
    # HTML fits its frame: the table is not cut off and the frame has no scrollbar.
    table = page.locator("[data-name=table] iframe")
    await expect(page.frame_locator("[data-name=table] iframe").locator("tr")).to_have_count(9)
    height = await table.evaluate("f => f.getBoundingClientRect().height")
    content = await table.evaluate("f => f.contentDocument.body.scrollHeight")
    assert content <= height <= content + 4
    # A line of HTML gets a small frame; one in a hidden tab fits once it is shown.
    short = page.locator("[data-name=short] iframe")
    assert await short.evaluate("f => f.getBoundingClientRect().height") < 60
    await page.get_by_role("tab", name="Later").click()
    later = page.locator("[data-name=later] iframe")
    await expect(page.frame_locator("[data-name=later] iframe").locator("tr")).to_have_count(9)
    await page.wait_for_function(
        "f => f.getBoundingClientRect().height >= f.contentDocument.body.scrollHeight",
        arg=await later.element_handle())
    await screenshot(page, "panes", full_page=True)
