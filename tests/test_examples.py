"""The example apps work as their READMEs and docstrings say."""

from __future__ import annotations

import logging
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.client import ClientSession

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]


async def open_app(c: TestClientT, path: str) -> ClientSession:
    return await ClientSession.open(str(c.make_url(path)), http=c.session)


def test_make_serve_serves_the_apps_and_not_the_helpers() -> None:
    # --no-print-directory: under `make test` this make is nested and would say so.
    done = subprocess.run(["make", "--no-print-directory", "-n", "serve"], cwd=ROOT,
                          capture_output=True, text=True, timeout=30, check=True)
    command = done.stdout.strip().splitlines()[-1].split()
    assert command[:2] == [".venv/bin/aioserve", "serve"]
    served = set(command[2:])
    assert {"examples/dashboard/", "examples/notebook.ipynb", "examples/sliders.py",
            "examples/bokeh/", "examples/bokeh_sliders.py"} <= served  # Bokeh apps too
    assert "examples/embed/" not in served  # a helper folder, not an app
    for path in served:
        assert path.endswith((".py", ".ipynb")) or any(
            (ROOT / path / main).is_file() for main in ("main.py", "main.ipynb"))


async def test_sliders(aiohttp_client: AiohttpClient) -> None:
    c = await aiohttp_client(create_app(str(EXAMPLES / "sliders.py")))
    session = await open_app(c, "/sliders")
    try:
        doc = session.document
        assert doc.title == "Sliders"
        slider, label = doc.find(type="Slider"), doc.find(name="label")
        assert label["text"] == "frequency 1.0"
        await session.set(slider, "value", 2.5)
        await session.wait_for(lambda d: d.find(name="label")["text"] == "frequency 2.5")
        source = doc.find(type="ColumnDataSource")
        assert source["data"]["y"][20] == pytest.approx(0.5984721441)  # sin(2.5 * 1.0)
        await session.click(doc.find(type="Button"))
        await session.wait_for(lambda d: d.find(type="Slider")["value"] == 1)
        await session.wait_for(lambda d: d.find(name="label")["text"] == "frequency 1.0")
        first = doc.find(name="clock")["text"]
        assert re.fullmatch(r"session open for \d+ s", first)
        await session.wait_for(lambda d: d.find(name="clock")["text"] != first, timeout=3)
    finally:
        await session.close()


async def test_notebook(aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aioserve")
    c = await aiohttp_client(create_app(str(EXAMPLES / "notebook.ipynb")))
    assert "Stripping out IPython magic %%time in code cell 4" in caplog.text
    assert "Replacing IPython line '%matplotlib inline' in code cell 2 with pass" in caplog.text
    assert "Replacing IPython line '!echo" in caplog.text
    session = await open_app(c, "/notebook")
    try:
        doc = session.document
        assert doc.title == "Waves"
        plot = doc.find(name="plot")
        assert plot["mime"] == "image/svg+xml" and "<svg" in plot["data"]
        before = plot["data"]
        await session.set(doc.find(type="Select"), "value", "cosine")
        await session.wait_for(lambda d: d.find(name="caption")["text"] == "cosine, amplitude 1")
        assert doc.find(name="plot")["data"] != before
    finally:
        await session.close()


async def test_dashboard(aiohttp_client: AiohttpClient,
                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # the hooks log through their own logger
    c = await aiohttp_client(create_app(str(EXAMPLES / "dashboard")))
    assert "dashboard: server loaded" in caplog.text
    html = await (await c.get("/dashboard")).text()
    assert "<h1>Sensor dashboard</h1>" in html  # templates/index.html
    assert '<link rel="stylesheet" href="/dashboard/theme.css">' in html
    theme = await (await c.get("/dashboard/theme.css")).text()
    assert 'url("static/logo.svg")' in theme
    logo = await c.get("/dashboard/static/logo.svg")
    assert logo.status == 200 and logo.content_type == "image/svg+xml"
    session = await open_app(c, "/dashboard?name=Ada")
    try:
        assert f"dashboard: session {session.id} created" in caplog.text
        doc = session.document
        assert doc.find(name="greeting")["text"].startswith("Hello, Ada! Page requested at ")
        rows = len(doc.find(type="ColumnDataSource")["data"]["t"])
        await session.wait_for(
            lambda d: len(d.find(type="ColumnDataSource")["data"]["t"]) > rows, timeout=3)
        await session.click(doc.find(name="pause"))
        await session.wait_for(lambda d: d.find(name="status")["text"] == "paused")
        assert doc.find(name="pause")["label"] == "Resume"
    finally:
        await session.close()
    await c.close()
    assert f"dashboard: session {session.id} destroyed" in caplog.text
    assert "dashboard: server unloaded" in caplog.text


def load_embed_app() -> Callable[..., None]:
    app: Callable[..., None] = runpy.run_path(str(EXAMPLES / "embed" / "run_app.py"))["app"]
    return app


async def test_embed_function_app(aiohttp_client: AiohttpClient) -> None:
    c = await aiohttp_client(create_app({"/hello": load_embed_app()}))
    session = await open_app(c, "/hello")
    try:
        doc = session.document
        await session.set(doc.find(name="name"), "value", "Ada")
        await session.wait_for(lambda d: d.find(name="greeting")["text"] == "Hello, Ada!")
        await session.click(doc.find(name="clicks"))
        await session.wait_for(lambda d: d.find(name="clicks")["label"] == "Clicked 1 time")
        await session.click(doc.find(name="clicks"))
        await session.wait_for(lambda d: d.find(name="clicks")["label"] == "Clicked 2 times")
    finally:
        await session.close()


def test_embed_script_runs_with_web_run_app() -> None:
    with socket.socket() as probe:  # web.run_app does not report a port-0 bind
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(EXAMPLES / "embed" / "run_app.py"), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=5) as page:
                    assert page.status == 200
                    assert "<title>Hello</title>" in page.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
