"""`--metrics`: Prometheus text at /_aioserve/metrics, from a registry of our own.

Each `create_app` gets its own `CollectorRegistry`, never prometheus-client's
global one, so two aioserve apps in one process (or beside an app that uses
the global registry) never clash. Counts that the server keeps anyway
(sessions, connections, bytes written) are read when scraped; only what
happens nowhere else (messages in, handling time, loop lag) is counted live.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import psutil
from aiohttp import web
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from aioserve.server.keys import ServerState
from aioserve.sessions.connection import Connection

log = logging.getLogger("aioserve.server")

LAG_INTERVAL_S = 0.5
HANDLING_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                    0.25, 0.5, 1.0, 2.5, 5.0)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(slots=True)
class Traffic:
    """Websocket traffic of one app's connections that have closed."""

    opened: int = 0
    messages_in: int = 0
    messages_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0


class ServerMetrics:
    """The registry of one aioserve application and what it counts as things happen."""

    def __init__(self, state: ServerState) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.handling = Histogram(
            "aioserve_message_handling_seconds",
            "Time spent applying one client message (set or event) and its sync callbacks",
            ["app"], buckets=HANDLING_BUCKETS, registry=self.registry)
        self.loop_lag = Histogram(
            "aioserve_event_loop_lag_seconds",
            f"How late a {LAG_INTERVAL_S} s sleep on the event loop wakes up",
            buckets=LAG_BUCKETS, registry=self.registry)
        self.last_lag_s = 0.0
        self.state = state
        self.closed: dict[str, Traffic] = {path: Traffic() for path in state.apps}
        self.registry.register(_StateCollector(state, self))

    def connection_opened(self, app_path: str, connection: Connection) -> None:
        self.closed[app_path].opened += 1

    def connection_closed(self, app_path: str, connection: Connection) -> None:
        totals = self.closed[app_path]
        totals.messages_in += connection.messages_in
        totals.bytes_in += connection.bytes_in
        totals.messages_out += connection.messages_out
        totals.bytes_out += connection.bytes_out

    def live(self, app_path: str) -> list[Connection]:
        """The app's open websockets, read from its sessions: the one count there is."""
        return [c for s in self.state.apps[app_path].registry.sessions for c in s.connections]

    def traffic(self, app_path: str) -> Traffic:
        """Closed connections' totals plus the live connections' counts so far."""
        totals = self.closed[app_path]
        result = Traffic(opened=totals.opened, messages_in=totals.messages_in,
                         messages_out=totals.messages_out, bytes_in=totals.bytes_in,
                         bytes_out=totals.bytes_out)
        for c in self.live(app_path):
            result.messages_in += c.messages_in
            result.bytes_in += c.bytes_in
            result.messages_out += c.messages_out
            result.bytes_out += c.bytes_out
        return result

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The scrape body and its content type: Prometheus text (`generate_latest`),
        or OpenMetrics when the scraper's Accept header asks for it."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


class _StateCollector(Collector):
    """Gauges and counters read from the server's own state at scrape time."""

    def __init__(self, state: ServerState, metrics: ServerMetrics) -> None:
        self.state = state
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        state = self.state

        live = _gauge("aioserve_sessions", "Live sessions")
        unused = _gauge("aioserve_sessions_unused",
                        "Live sessions with no connection (the reaper ends them)")
        created = _counter("aioserve_sessions_created", "Sessions created")
        destroyed = _counter("aioserve_sessions_destroyed",
                             "Sessions destroyed (reaped, drained or reloaded)")
        errors = _counter("aioserve_callback_errors", "Exceptions raised by app callbacks")
        slow = _counter("aioserve_slow_callbacks", "Callbacks and app builds that held the "
                        "event loop longer than --slow-callback")
        conns = _gauge("aioserve_websocket_connections", "Open session websockets")
        opened = _counter("aioserve_websocket_connections_opened", "Session websockets accepted")
        msgs_in = _counter("aioserve_websocket_messages_received",
                           "Websocket messages received from clients")
        msgs_out = _counter("aioserve_websocket_messages_sent",
                            "Websocket messages sent to clients")
        bytes_in = _counter("aioserve_websocket_received_bytes",
                            "Bytes of websocket messages received (UTF-8 payload)")
        bytes_out = _counter("aioserve_websocket_sent_bytes",
                             "Bytes of websocket messages sent (UTF-8 payload)")
        for path, served in state.apps.items():
            registry = served.registry
            sessions = registry.sessions
            traffic = self.metrics.traffic(path)
            labels = [path]
            live.add_metric(labels, len(sessions))
            unused.add_metric(labels, sum(1 for s in sessions if not s.connections))
            created.add_metric(labels, registry.created_total)
            destroyed.add_metric(labels, registry.destroyed_total)
            errors.add_metric(labels, registry.ended_callback_errors
                              + sum(s.callback_errors for s in sessions))
            slow.add_metric(labels, served.incidents.slow_callbacks)
            conns.add_metric(labels, len(self.metrics.live(path)))
            opened.add_metric(labels, traffic.opened)
            msgs_in.add_metric(labels, traffic.messages_in)
            msgs_out.add_metric(labels, traffic.messages_out)
            bytes_in.add_metric(labels, traffic.bytes_in)
            bytes_out.add_metric(labels, traffic.bytes_out)
        yield from (live, unused, created, destroyed, errors, slow, conns, opened, msgs_in,
                    msgs_out, bytes_in, bytes_out)
        yield GaugeMetricFamily("aioserve_event_loop_lag_last_seconds",
                                "The most recent event-loop lag sample",
                                value=self.metrics.last_lag_s)
        yield GaugeMetricFamily("aioserve_draining", "1 while the server drains for shutdown",
                                value=1.0 if state.draining else 0.0)
        memory = psutil.Process().memory_info()
        yield GaugeMetricFamily("process_resident_memory_bytes", "Resident memory size in bytes",
                                value=memory.rss)
        yield GaugeMetricFamily("process_virtual_memory_bytes", "Virtual memory size in bytes",
                                value=memory.vms)
        yield GaugeMetricFamily("aioserve_process_id", "The pid of the process that answered "
                                "(workers of --num-procs each count on their own)",
                                value=os.getpid())


def _gauge(name: str, documentation: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=["app"])


def _counter(name: str, documentation: str) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, labels=["app"])


# With --metrics, create_app keeps its ServerMetrics here (the server state does not know it).
METRICS = web.AppKey("aioserve_metrics", ServerMetrics)


async def sample_loop_lag(metrics: ServerMetrics, interval_s: float = LAG_INTERVAL_S) -> float:
    """Sleep `interval_s` and record how much later than asked the loop woke us."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.sleep(interval_s)
    lag = max(0.0, loop.time() - started - interval_s)
    metrics.last_lag_s = lag
    metrics.loop_lag.observe(lag)
    return lag


async def metrics_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry: the loop-lag sampler runs while the server does."""
    metrics = app[METRICS]

    async def sample_forever() -> None:
        while True:
            await sample_loop_lag(metrics)

    task = asyncio.create_task(sample_forever(), name="aioserve-loop-lag")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def metrics_page(request: web.Request) -> web.StreamResponse:
    metrics = request.app[METRICS]
    started = time.perf_counter()
    body, content_type = metrics.render(request.headers.get("Accept"))
    log.debug("metrics rendered in %.1f ms", (time.perf_counter() - started) * 1000)
    return web.Response(body=body, headers={"Content-Type": content_type,
                                            "Cache-Control": "no-store"})
