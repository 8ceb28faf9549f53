"""`serve` owns the runner and sites; `run` alone owns the event loop and signals."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from aioserve.config import Config
from aioserve.errors import AioserveError
from aioserve.logs import configure_logging
from aioserve.server import collector
from aioserve.server.access_log import ACCESS_LOG, AccessLogger
from aioserve.server.app import Apps, create_app
from aioserve.server.bad_requests import quiet_server_log
from aioserve.server.keys import ServerState, states_of
from aioserve.server.lifecycle import drain
from aioserve.server.served_app import load_problem
from aioserve.server.tls import ssl_context
from aioserve.server.workers import bind_socket, run_workers

log = logging.getLogger("aioserve.server")

ShutdownTrigger = Callable[[], Awaitable[Any]]


async def serve(apps: Apps, config: Config, *, shutdown_trigger: ShutdownTrigger | None = None,
                sock: socket.socket | None = None, announce: bool = True,
                on_ready: Callable[[list[str]], None] | None = None) -> None:
    """Serve until `shutdown_trigger()` returns (forever without one), then drain.

    `on_ready` receives the app URLs once the server listens (real ports).
    """
    context = ssl_context(config)  # a bad certificate or key stops us before any app code runs
    app = create_app(apps, config)
    runner = web.AppRunner(app, access_log_class=AccessLogger, access_log=ACCESS_LOG,
                           logger=quiet_server_log(),  # junk requests: an access line, no traceback
                           handle_signals=False, shutdown_timeout=5.0)
    await runner.setup()
    try:
        try:
            await _start_site(runner, config, sock, context)
        except BaseException:
            # Never listened: nothing to drain, and no "Draining" line before the error.
            _state_of(app).draining = True
            raise
        urls = app_urls(app, config, runner)
        if announce:
            for url in urls:
                log.info("aioserve app running at: %s", url)
            _flush_log_handlers()
        if on_ready is not None:
            on_ready(urls)
        await (shutdown_trigger() if shutdown_trigger else asyncio.Event().wait())
        # Drain while the sites still listen, so a load balancer sees readiness
        # fail (503) instead of a refused connection while sessions end. The
        # on_shutdown and cleanup that runner.cleanup runs then find it done.
        await drain(_state_of(app))
    finally:
        await runner.cleanup()


async def _start_site(runner: web.AppRunner, config: Config, sock: socket.socket | None,
                      context: ssl.SSLContext | None) -> web.BaseSite:
    site: web.BaseSite
    if sock is not None:
        site = web.SockSite(runner, sock, ssl_context=context)
    elif config.unix_socket:
        site = web.UnixSite(runner, config.unix_socket)
    elif config.port == 0 and config.address is None:
        # aiohttp would give IPv4 and IPv6 a free port each, and the startup line could
        # name only one: a dual-stack socket has one port for both.
        try:
            sock = bind_socket(config)
        except OSError as exc:
            raise AioserveError(f"cannot listen on {listen_target(config)}: {exc}") from exc
        site = web.SockSite(runner, sock, ssl_context=context)
    else:
        site = web.TCPSite(runner, config.address, config.port, ssl_context=context)
    try:
        await site.start()
    except OSError as exc:
        raise AioserveError(f"cannot listen on {listen_target(config)}: "
                            f"{os.strerror(exc.errno).lower() if exc.errno else exc}") from exc
    return site


def listen_target(config: Config) -> str:
    """Where the server was asked to listen, as a user typed it."""
    if config.unix_socket:
        return config.unix_socket
    return f"port {config.port}" + (f" of {config.address}" if config.address else "")


def app_urls(app: web.Application, config: Config, runner: web.BaseRunner) -> list[str]:
    state = _state_of(app)
    scheme = "https" if config.ssl_certfile else "http"
    if config.unix_socket:
        base = f"{scheme}+unix://{config.unix_socket}"
    else:
        port = _bound_port(runner, config)
        host = config.address or "localhost"
        if ":" in host:
            host = f"[{host}]"
        base = f"{scheme}://{host}:{port}"
    # An app that failed its startup check (create_app logged why) is not announced.
    return [base + config.prefix + served.path.rstrip("/") if served.path != "/"
            else base + config.prefix + "/" for served in state.apps.values()
            if load_problem(served.engine) is None]


def _state_of(app: web.Application) -> ServerState:
    states = states_of(app)  # with --prefix, the state is on the sub-app
    if not states:
        raise LookupError("not an aioserve application")
    return states[0]


def _bound_port(runner: web.BaseRunner, config: Config) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return int(address[1])
    return config.port


def _flush_log_handlers() -> None:
    for handler in logging.getLogger("aioserve").handlers:
        handler.flush()


def run(apps: Sequence[str] | Apps, config: Config) -> None:
    """What the CLI calls: set up logging, then one process or supervised workers."""
    configure_logging(config)
    tune_garbage_collector()
    if config.worker_count() > 1:
        def serve_worker(sock: socket.socket) -> Awaitable[None]:
            return serve_until_signal(apps, config, show=False, sock=sock, announce=False)

        run_workers(apps, config, serve_worker=serve_worker, open_browser=open_browser)
        return
    asyncio.run(serve_until_signal(apps, config, show=config.show))


def tune_garbage_collector() -> None:
    """Collect the young generation less often, the old one after the reaper.

    With 10,000 sessions, CPython's default thresholds ran full collections
    of the whole heap (0.5-1.2 s, freeing nothing) every few seconds: pings
    went out late and pongs were read after their deadline, dropping healthy
    connections (bench/RESULTS.md, measure 6). Full passes now run after the
    reaper, in proportion to the sessions that ended (aioserve.server.collector).
    Only `run` does this: it owns the process, `serve` and `create_app` do not.
    """
    collector.tune()


async def serve_until_signal(apps: Any, config: Config, *, show: bool,
                             sock: socket.socket | None = None, announce: bool = True) -> None:
    """`serve` until SIGINT or SIGTERM (one process, or one worker of --num-procs)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        if sys.platform != "win32":
            loop.add_signal_handler(signum, stop.set)
    await serve(apps, config, shutdown_trigger=stop.wait, sock=sock, announce=announce,
                on_ready=open_browser if show else None)
    log.info("aioserve stopped")


def open_browser(urls: list[str]) -> None:
    """Open each app in a browser, from a thread: a BROWSER command may block."""
    def show() -> None:
        for url in urls:
            webbrowser.open(url)

    threading.Thread(target=show, name="aioserve-show", daemon=True).start()
