"""A Bokeh app under `aioserve serve --num-procs 2`, in Chromium.

The page only mints the token (lazy sessions); the worker that receives the
websocket builds the session, so the app code runs once per session, in a worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest
from playwright.async_api import Browser, expect

if TYPE_CHECKING:
    from conftest import StartServer

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

# Each run of the app code appends "<pid> <session id>" to runs.txt next to it.
COUNTING_APP = """\
import os
from pathlib import Path

from bokeh.io import curdoc
from bokeh.layouts import column
from bokeh.models import Button, Div
from bokeh.plotting import figure

doc = curdoc()
with open(Path(__file__).with_name("runs.txt"), "a") as runs:
    runs.write(f"{os.getpid()} {doc.session_context.id}\\n")
clicks = Div(text="clicked 0 times", name="clicks")
button = Button(label="Click me")
count = [0]


def clicked():
    count[0] += 1
    clicks.text = f"clicked {count[0]} times in {os.getpid()}"


button.on_click(clicked)
plot = figure(height=200, width=300, title=f"worker {os.getpid()}", name="plot")
plot.scatter([1, 2, 3], [3, 1, 2], size=12)
doc.add_root(column(Div(text=f"pid {os.getpid()}", name="pid"), button, clicks, plot))
"""
RENDERED = """() => window.Bokeh !== undefined && Bokeh.documents.length > 0
    && Bokeh.documents[0].roots().length > 0 && Bokeh.documents[0].is_idle"""
PAGES = 4
# BokehJS is several MB of scripts to parse per page: wait longer than conftest says.
BOKEH_TIMEOUT_MS = 40_000
WAIT = {"timeout": BOKEH_TIMEOUT_MS}  # for expect(), whose own default is 5 s


async def test_num_procs_2(cli_server: StartServer, browser: Browser, tmp_path: Path) -> None:
    app = tmp_path / "counter.py"
    app.write_text(COUNTING_APP)
    server = cli_server("--num-procs", "2", str(app), timeout=40)
    url = server.app_urls[0]
    assert url.endswith("/counter")
    context = await browser.new_context()
    context.set_default_timeout(BOKEH_TIMEOUT_MS)
    errors: list[str] = []
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        for _ in range(PAGES):
            page = await context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(url)
            await page.wait_for_function(RENDERED)
            await expect(page.locator("canvas").first).to_be_visible(**WAIT)
            pid_text = await page.evaluate(
                "Bokeh.documents[0].get_model_by_name('pid').text")
            await page.get_by_role("button", name="Click me").click()
            pid = int(pid_text.split()[1])
            await expect(page.get_by_text(f"clicked 1 times in {pid}")).to_be_visible(**WAIT)
    finally:
        await context.close()
    workers = {p.pid for p in psutil.Process(server.pid).children()}
    assert len(workers) == 2 and server.pid not in workers
    runs = [line.split() for line in (tmp_path / "runs.txt").read_text().splitlines()]
    # once per page's session, each in a worker, never in the parent
    assert len(runs) == PAGES and len({session for _, session in runs}) == PAGES
    assert {int(pid) for pid, _ in runs} <= workers
    assert errors == []
