"""Fixtures shared by every test. Servers bind port 0 and report the port they got."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """test-artifacts/ at the repository root (git-ignored), for screenshots and logs."""
    path = request.config.rootpath / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


# ---- `aioserve serve` in a subprocess (used by the CLI, worker and lifecycle tests)

STARTUP = re.compile(r"aioserve app running at: (\S+)")


class CliServer:
    """One `python -m aioserve serve ...` process; its stderr is collected line by line."""

    def __init__(self, args: list[str], *, env: dict[str, str], cwd: Path,
                 log_file: Path | None) -> None:
        self.args = args
        self.log_file = log_file
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aioserve", "serve", *args], cwd=cwd, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1)
        self.pid = self.proc.pid
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.children: set[int] = set()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.append(line)

    def stderr(self) -> str:
        return "".join(self._lines)

    def output(self) -> str:
        """Everything the process wrote to stderr, plus its --log-file if it has one."""
        text = self.stderr()
        if self.log_file is not None and self.log_file.exists():
            text += self.log_file.read_text()
        return text

    def mark(self) -> int:
        """A position in the output: pass it as `since` to look only at what follows."""
        return len(self.output())

    def find(self, pattern: str, *, since: int = 0) -> list[re.Match[str]]:
        return list(re.finditer(pattern, self.output()[since:], re.MULTILINE))

    def wait_for(self, pattern: str, *, count: int = 1, within: float = 15,
                 since: int = 0) -> list[re.Match[str]]:
        """Block until `pattern` (a regex, multiline) matched `count` times in the output."""
        deadline = time.monotonic() + within
        while True:
            found = self.find(pattern, since=since)
            if len(found) >= count:
                return found
            if self.proc.poll() is not None:
                self._reader.join(2)
                found = self.find(pattern, since=since)
                if len(found) >= count:
                    return found
                raise AssertionError(f"server exited ({self.proc.returncode}) before "
                                     f"{pattern!r} appeared:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} did not appear within {within} s:\n"
                                     f"{self.output()}")
            time.sleep(0.05)

    async def await_for(self, pattern: str, *, count: int = 1, within: float = 15,
                        since: int = 0) -> list[re.Match[str]]:
        """`wait_for` that lets the test's event loop run meanwhile."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if len(self.find(pattern, since=since)) >= count or self.proc.poll() is not None:
                break
            await asyncio.sleep(0.05)
        return self.wait_for(pattern, count=count, within=0, since=since)

    @property
    def app_urls(self) -> list[str]:
        return [m.group(1) for m in self.find(STARTUP.pattern)]

    @property
    def base_url(self) -> str:
        """scheme://host:port of the first startup line."""
        parts = urlsplit(self.app_urls[0])
        return f"{parts.scheme}://{parts.netloc}"

    def remember_children(self) -> None:
        with contextlib.suppress(psutil.NoSuchProcess):
            self.children |= {c.pid for c in psutil.Process(self.pid).children()}

    async def astop(self, signum: int = signal.SIGTERM, within: float = 15) -> int:
        """`stop` that lets the test's event loop run (so its clients can answer a close)."""
        self.remember_children()
        if self.proc.poll() is None:
            os.kill(self.pid, signum)
        deadline = time.monotonic() + within
        while self.proc.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # a process exit is no asyncio event
        return self.stop(signal.SIGKILL, 5)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Signal the server by its pid and wait for it; SIGKILL if it does not exit."""
        self.remember_children()
        if self.proc.poll() is None:
            os.kill(self.pid, signum)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(5)
        for pid in self.children:  # workers of --num-procs that outlived their parent
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.returncode


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without AIOSERVE_* / BOKEH_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}
    env.update(extra)
    return env


@pytest.fixture
def server_environ() -> Callable[..., dict[str, str]]:
    """`server_environ(BROWSER=...)`: an environment for a server subprocess."""
    return clean_environ


StartServer = Callable[..., CliServer]


@pytest.fixture
def cli_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start `aioserve serve ARGS` on 127.0.0.1, port 0; wait for its startup lines.

    `cli_server("app.py", "--prefix", "x")` returns the running CliServer; each is
    stopped by its pid when the test ends. Pass `apps=0` not to wait for startup
    lines, `address=False` to leave out `--address 127.0.0.1 --port 0`.
    """
    servers: list[CliServer] = []

    def start(*args: str, apps: int = 1, address: bool = True, env: dict[str, str] | None = None,
              cwd: Path | None = None, log_file: Path | None = None,
              timeout: float = 20) -> CliServer:
        argv = list(args)
        if address:
            # Options go before the app paths' possible --args tail.
            argv = ["--address", "127.0.0.1", "--port", "0", *argv]
        server = CliServer(argv, env=env if env is not None else clean_environ(),
                           cwd=cwd or tmp_path, log_file=log_file)
        servers.append(server)
        if apps:
            server.wait_for(STARTUP.pattern, count=apps, within=timeout)
        return server

    yield start
    for server in servers:
        server.stop(signal.SIGTERM, 10)
