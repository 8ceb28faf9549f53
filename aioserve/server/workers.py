"""`--num-procs N`: bind once in the parent, fork N workers on the shared socket.

The parent forks before any event loop, thread or app code exists, runs no
event loop itself, and restarts a worker that dies (unless it keeps dying at
once, which means the app or the config is broken).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aioserve.config import Config
from aioserve.errors import AioserveError, ConfigError

log = logging.getLogger("aioserve.server")

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
QUICK_DEATH_S = 2.0
MAX_QUICK_DEATHS = 5

# What a forked worker runs on the shared socket, and what --show calls with the app
# URLs. runner.py passes them in, so this module never imports runner.py.
ServeWorker = Callable[[socket.socket], Awaitable[None]]
OpenBrowser = Callable[[list[str]], None]


def bind_socket(config: Config) -> socket.socket:
    if config.address is None and socket.has_dualstack_ipv6():
        sock = socket.create_server(("", config.port), family=socket.AF_INET6,
                                    dualstack_ipv6=True, backlog=1024)
    else:
        sock = socket.create_server((config.address or "", config.port), backlog=1024)
    sock.set_inheritable(True)
    return sock


def run_workers(apps: Any, config: Config, *, serve_worker: ServeWorker,
                open_browser: OpenBrowser) -> None:
    if sys.platform == "win32":
        raise AioserveError("--num-procs is not supported on Windows")
    if config.unix_socket:
        raise ConfigError("--num-procs cannot be combined with --unix-socket")
    from aioserve.server.app import check_security_options
    from aioserve.server.auth import load_auth_module

    # A bad key, secret or auth module: one message here, not N workers dying at start.
    check_security_options(config)
    if config.auth_module:
        load_auth_module(config.auth_module)
    try:
        sock = bind_socket(config)
    except OSError as exc:  # e.g. the port is in use: one line from the CLI, exit status 1
        where = f"port {config.port}" + (f" of {config.address}" if config.address else "")
        raise AioserveError(f"cannot listen on {where}: "
                            f"{os.strerror(exc.errno).lower() if exc.errno else exc}") from exc
    port = sock.getsockname()[1]
    scheme = "https" if config.ssl_certfile else "http"
    host = config.address or "localhost"
    from aioserve.server.app import resolve_apps  # checks the apps load before forking

    urls = []
    for path in resolve_apps(apps, config.args, config.engine):
        suffix = path.rstrip("/") if path != "/" else "/"
        urls.append(f"{scheme}://{host}:{port}{config.prefix}{suffix}")
        log.info("aioserve app running at: %s", urls[-1])
    for handler in logging.getLogger("aioserve").handlers:
        handler.flush()
    Supervisor(config, sock, serve_worker=serve_worker, open_browser=open_browser,
               urls=urls).run(config.worker_count())


class Supervisor:
    def __init__(self, config: Config, sock: socket.socket, *, serve_worker: ServeWorker,
                 open_browser: OpenBrowser, urls: list[str] | None = None) -> None:
        self.config, self.sock = config, sock
        self.serve_worker, self.open_browser = serve_worker, open_browser
        self.urls = urls or []  # what --show opens: each app, as with one process
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False
        self.quick_deaths = 0

    def run(self, count: int) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._stop)
        for _ in range(count):
            self._spawn()
        if self.config.show:
            self.open_browser(self.urls)
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = self.children.pop(pid, None)
            if started is None or self.stopping:
                continue
            log.error("worker %d exited (status %d); starting another", pid, status)
            died_young = time.monotonic() - started < QUICK_DEATH_S
            self.quick_deaths = self.quick_deaths + 1 if died_young else 0
            if self.quick_deaths >= MAX_QUICK_DEATHS:
                log.critical("workers keep dying at start; giving up")
                self._stop(signal.SIGTERM, None)
                continue
            self._spawn()
        self.sock.close()

    def _spawn(self) -> None:
        # Stop signals stay blocked across the fork: one reaching the child before it
        # resets its handlers would run the parent's `_stop` there (killing its siblings
        # and leaving the child running). Blocked, it waits for SIG_DFL to be in place.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            raise
        if pid == 0:
            code = 0
            try:
                for signum in STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
                asyncio.run(self._serve())
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        self.children[pid] = time.monotonic()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    async def _serve(self) -> None:
        await self.serve_worker(self.sock)

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
