"""--metrics: Prometheus text at /_aioserve/metrics, scraped and parsed as Prometheus would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from aioserve import create_app
from aioserve.client import ClientSession
from aioserve.document import Document
from aioserve.models import Button, Column, Div
from aioserve.server.keys import STATE
from aioserve.server.lifecycle import reap
from aioserve.server.metrics import METRICS, sample_loop_lag

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def counter_app(doc: Document) -> None:
    out = Div(text="0", name="out")
    add = Button(label="Add")
    broken = Button(label="Break")

    def added() -> None:
        out.text = str(int(out.text) + 1)

    def fail() -> None:
        raise RuntimeError("on purpose")

    add.on_click(added)
    broken.on_click(fail)
    doc.add_root(Column(out, add, broken))


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    assert key in samples, f"no sample {name}{labels}; have {sorted(k[0] for k in samples)}"
    return samples[key]


async def scrape(client: TestClientT, path: str = "/_aioserve/metrics") -> Samples:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return parse(await response.text())


async def eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.fixture
async def metrics_client(aiohttp_client: AiohttpClient) -> TestClientT:
    app = create_app({"/counter": counter_app}, metrics=True, stats_log_frequency_ms=60_000,
                     unused_session_lifetime_ms=1, check_unused_sessions_ms=60_000)
    return await aiohttp_client(app)


async def test_metrics_are_off_unless_asked_for(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/counter": counter_app}))
    assert (await client.get("/_aioserve/metrics")).status == 404


async def test_counts_follow_sessions_connections_and_messages(
        metrics_client: TestClientT) -> None:
    client = metrics_client
    app = "/counter"
    before = await scrape(client)
    assert value(before, "aioserve_sessions", app=app) == 0
    assert value(before, "aioserve_sessions_created_total", app=app) == 0
    assert value(before, "process_resident_memory_bytes") > 10 * 2**20

    url = str(client.make_url(app))
    session = await ClientSession.open(url)
    try:
        opened = await scrape(client)
        assert value(opened, "aioserve_sessions", app=app) == 1
        assert value(opened, "aioserve_sessions_unused", app=app) == 0
        assert value(opened, "aioserve_sessions_created_total", app=app) == 1
        assert value(opened, "aioserve_websocket_connections", app=app) == 1
        assert value(opened, "aioserve_websocket_connections_opened_total", app=app) == 1
        assert value(opened, "aioserve_websocket_messages_received_total", app=app) == 1  # pull
        assert value(opened, "aioserve_websocket_messages_sent_total", app=app) == 2  # ack, doc
        sent_bytes = value(opened, "aioserve_websocket_sent_bytes_total", app=app)
        assert sent_bytes > 100
        assert value(opened, "aioserve_message_handling_seconds_count", app=app) == 0

        await session.click(session.document.find(label="Add"))
        await session.wait_for(lambda doc: doc.find(name="out")["text"] == "1")
        clicked = await scrape(client)
        assert value(clicked, "aioserve_websocket_messages_received_total", app=app) == 2
        assert value(clicked, "aioserve_websocket_received_bytes_total", app=app) > value(
            opened, "aioserve_websocket_received_bytes_total", app=app)
        assert value(clicked, "aioserve_websocket_sent_bytes_total", app=app) > sent_bytes
        assert value(clicked, "aioserve_message_handling_seconds_count", app=app) == 1
        assert value(clicked, "aioserve_message_handling_seconds_sum", app=app) > 0
        assert value(clicked, "aioserve_callback_errors_total", app=app) == 0

        await session.click(session.document.find(label="Break"))

        async def error_counted() -> bool:
            return value(await scrape(client), "aioserve_callback_errors_total", app=app) == 1

        await eventually(error_counted)
    finally:
        await session.close()

    async def closed() -> bool:
        return value(await scrape(client), "aioserve_websocket_connections", app=app) == 0

    await eventually(closed)
    after = await scrape(client)
    assert value(after, "aioserve_sessions_unused", app=app) == 1
    # Totals of a closed connection stay counted.
    assert value(after, "aioserve_websocket_messages_received_total", app=app) == 3
    assert value(after, "aioserve_websocket_connections_opened_total", app=app) == 1

    await asyncio.sleep(0.01)  # older than the 1 ms lifetime
    assert await reap(client.app[STATE]) == 1
    reaped = await scrape(client)
    assert value(reaped, "aioserve_sessions", app=app) == 0
    assert value(reaped, "aioserve_sessions_destroyed_total", app=app) == 1
    assert value(reaped, "aioserve_callback_errors_total", app=app) == 1  # not lost with it


async def test_openmetrics_when_the_scraper_asks(metrics_client: TestClientT) -> None:
    response = await metrics_client.get(
        "/_aioserve/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    text = await response.text()
    assert text.rstrip().endswith("# EOF")
    assert 'aioserve_sessions_created_total{app="/counter"} 0.0' in text


async def test_two_servers_in_one_process_keep_separate_registries(
        aiohttp_client: AiohttpClient) -> None:
    first = await aiohttp_client(create_app({"/counter": counter_app}, metrics=True))
    second = await aiohttp_client(create_app({"/counter": counter_app, "/other": counter_app},
                                             metrics=True))
    session = await ClientSession.open(str(first.make_url("/counter")))
    try:
        one, two = await scrape(first), await scrape(second)
        assert value(one, "aioserve_sessions", app="/counter") == 1
        assert value(two, "aioserve_sessions", app="/counter") == 0
        assert value(two, "aioserve_sessions", app="/other") == 0
        assert ("aioserve_sessions", frozenset({("app", "/other")})) not in one
    finally:
        await session.close()
    # prometheus-client's global registry is left to the host application.
    assert b"aioserve_" not in generate_latest(REGISTRY)


async def test_metrics_sit_under_the_prefix(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app({"/counter": counter_app}, metrics=True,
                                             prefix="/apps"))
    assert (await client.get("/_aioserve/metrics")).status == 404
    assert value(await scrape(client, "/apps/_aioserve/metrics"),
                 "aioserve_sessions", app="/counter") == 0


async def test_event_loop_lag_is_measured(metrics_client: TestClientT) -> None:
    metrics = metrics_client.app[METRICS]
    assert metrics is not None
    sampling = asyncio.ensure_future(sample_loop_lag(metrics, 0.05))
    await asyncio.sleep(0)  # the sampler is asleep now...
    time.sleep(0.25)  # noqa: ASYNC251 - blocking the loop past its wake-up is the point
    lag = await sampling
    assert 0.15 < lag < 2
    samples = await scrape(metrics_client)
    # The server's own sampler (every 0.5 s) may have written the last sample since.
    assert value(samples, "aioserve_event_loop_lag_last_seconds") >= 0
    assert value(samples, "aioserve_event_loop_lag_seconds_count") >= 1
    assert value(samples, "aioserve_event_loop_lag_seconds_bucket", le="0.1") < value(
        samples, "aioserve_event_loop_lag_seconds_bucket", le="+Inf")


async def test_draining_is_visible(metrics_client: TestClientT) -> None:
    assert value(await scrape(metrics_client), "aioserve_draining") == 0
    metrics_client.app[STATE].draining = True
    assert value(await scrape(metrics_client), "aioserve_draining") == 1
