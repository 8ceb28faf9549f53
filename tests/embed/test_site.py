"""examples/embed/site.py as its README runs it: with `web.run_app`, and with gunicorn's
aiohttp worker and 2 workers, each in a subprocess, driven by aioserve.client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet

from aioserve.client import ClientSession

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


class Running:
    """A subprocess whose merged output we keep reading (so its pipe never fills)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())
            self._new.set()
        self._new.set()

    async def wait_for_line(self, pattern: str, *, count: int = 1,
                            within: float = 30) -> re.Match[str]:
        """The `count`-th line of the output matching `pattern`, once it is there."""
        async def search() -> re.Match[str]:
            seen, matches = 0, 0
            while True:
                for line in self.lines[seen:]:
                    if found := re.search(pattern, line):
                        matches += 1
                        if matches == count:
                            return found
                seen = len(self.lines)
                if self._reader.done():
                    raise AssertionError(f"exited ({self.process.returncode}) before printing "
                                         f"{pattern!r}:\n" + "\n".join(self.lines))
                self._new.clear()
                await self._new.wait()

        return await asyncio.wait_for(search(), within)

    async def stop(self) -> None:
        """SIGTERM by pid, then SIGKILL if it does not go within 10 s."""
        if self.process.returncode is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                os.kill(self.process.pid, signal.SIGKILL)
                await self.process.wait()
        await self._reader


async def start(*argv: str) -> Running:
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "SITE_COOKIE_SECRET": Fernet.generate_key().decode()}
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    return Running(process)


@pytest.fixture
async def run_app_site() -> AsyncIterator[str]:
    site = await start(sys.executable, "-m", "examples.embed.site", "--port", "0")
    try:
        found = await site.wait_for_line(r"Running on (http://127\.0\.0\.1:\d+)")
        yield found.group(1)
    finally:
        await site.stop()


@contextlib.asynccontextmanager
async def two_gunicorn_workers(app: str) -> AsyncIterator[tuple[str, Running]]:
    """`app` ("module:attribute") under gunicorn's aiohttp worker, two workers on a
    free port of 127.0.0.1: its URL once both workers booted, and the process."""
    site = await start(str(GUNICORN), app, "--worker-class", "aiohttp.GunicornWebWorker",
                       "--bind", "127.0.0.1:0", "--no-control-socket", "-w", "2")
    try:
        found = await site.wait_for_line(r"Listening at: (http://127\.0\.0\.1:\d+)")
        await site.wait_for_line(r"Booting worker with pid", count=2)
        yield found.group(1), site
    finally:
        await site.stop()


@pytest.fixture
async def gunicorn_site() -> AsyncIterator[tuple[str, Running]]:
    async with two_gunicorn_workers("tests.embed.gunicorn_site:app") as running:
        yield running


def http_session(*, force_close: bool = False) -> aiohttp.ClientSession:
    # unsafe=True: keep cookies from a server addressed by its IP (127.0.0.1).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                 connector=aiohttp.TCPConnector(force_close=force_close))


async def sign_in(http: aiohttp.ClientSession, base: str, user: str, password: str) -> None:
    async with http.get(base + "/login") as form:
        csrf = re.search(r'name="csrf" value="([^"]+)"', await form.text())
    assert csrf is not None
    async with http.post(base + "/login", data={"csrf": csrf.group(1), "username": user,
                                                "password": password, "next": "/"}) as done:
        assert done.status == 200 and "Signed in as <b>" + user in await done.text()


async def drive_team_app(http: aiohttp.ClientSession, base: str, user: str) -> None:
    async with ClientSession.open(base + "/team/", http=http) as team:
        assert team.document.find(name="whoami").text == f"Signed in as **{user}**."
        await team.set(team.document.find(name="message"), "value", "hello")
        await team.click(team.document.find(name="send"))
        await team.wait_for(
            lambda doc: doc.find(name="said").text == f"<b>{user}</b> said: hello", timeout=10)


async def test_run_app_serves_the_site_and_both_mounted_apps(run_app_site: str) -> None:
    base = run_app_site
    async with http_session() as http:
        async with http.get(base + "/dash/", allow_redirects=False) as refused:
            assert refused.status == 302 and refused.headers["Location"].startswith("/login?")
        async with http.get(base + "/api/whoami") as whoami:
            assert (await whoami.json())["user"] is None
        await sign_in(http, base, "alice", "wonderland")
        async with http.get(base + "/dash/") as page:  # -> /dash/sliders
            assert str(page.url).endswith("/dash/sliders")
            assert "Server-Timing" in page.headers  # the site's middleware wraps aioserve
            assert "/dash/static/" in await page.text()
        async with ClientSession.open(base + "/dash/sliders", http=http) as sliders:
            await sliders.set(sliders.document.find(type="Slider"), "value", 2)
            await sliders.wait_for(
                lambda doc: doc.find(name="label").text == "frequency 2.0", timeout=10)
        await drive_team_app(http, base, "alice")


async def test_the_websocket_needs_the_login_too(run_app_site: str) -> None:
    base = run_app_site
    async with http_session() as http:
        await sign_in(http, base, "bob", "builder")
        async with http.get(base + "/team/") as page:
            html = await page.text()
    token = re.search(r'name="aioserve-token" content="([^"]+)"', html)
    assert token is not None
    async with aiohttp.ClientSession() as stranger:  # no cookie
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await ClientSession.connect(base + "/team/", token.group(1), "/team/ws",
                                        http=stranger)
        assert refused.value.status == 403


class HeldWorker:
    """Blocks one worker (found by the pid it answers) until the block is left."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    async def __aenter__(self) -> int:
        self.response = await self.http.get(self.base + "/test/hold?s=1.5")
        return int((await self.response.content.readline()).decode())

    async def __aexit__(self, *exc: object) -> None:
        await self.response.read()  # the worker is free again once this returns
        self.response.release()


async def test_gunicorn_with_two_workers(gunicorn_site: tuple[str, Running]) -> None:
    base, site = gunicorn_site
    workers = {int(m) for m in re.findall(r"Booting worker with pid: (\d+)",
                                          "\n".join(site.lines))}
    assert len(workers) == 2
    async with http_session(force_close=True) as http:
        # While one worker is held, a new connection can only reach the other.
        async with HeldWorker(http, base) as held, http.get(base + "/api/whoami") as response:
            other = (await response.json())["pid"]
        assert {held, other} == workers
        await sign_in(http, base, "alice", "wonderland")  # the cookie works on both
        # A session whose page came from one worker and whose websocket reaches the
        # other: lazy sessions make the websocket's worker build it, so it works.
        async with HeldWorker(http, base) as held, http.get(base + "/team/") as page:
            page_pid = int(page.headers["X-Worker-Pid"])
            html = await page.text()
        assert page_pid != held
        token = re.search(r'name="aioserve-token" content="([^"]+)"', html)
        assert token is not None
        for _ in range(20):  # hold the page's worker, so the websocket goes to the other
            async with HeldWorker(http, base) as held:
                if held != page_pid:
                    continue
                team = await ClientSession.connect(base + "/team/", token.group(1), "/team/ws",
                                                   http=http, timeout=10)
            break
        else:
            pytest.fail("could not hold the page's worker in 20 tries")
        async with team:
            built_by = int(team.document.find(name="worker").text.split()[-1].rstrip("."))
            assert built_by != page_pid and built_by in workers
            await team.set(team.document.find(name="message"), "value", "hi")
            await team.click(team.document.find(name="send"))
            await team.wait_for(lambda doc: doc.find(name="said").text.endswith("said: hi"),
                                timeout=10)
        async with ClientSession.open(base + "/dash/sliders", http=http) as sliders:
            await sliders.set(sliders.document.find(type="Slider"), "value", 3)
            await sliders.wait_for(
                lambda doc: doc.find(name="label").text == "frequency 3.0", timeout=10)
