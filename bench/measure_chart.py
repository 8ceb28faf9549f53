"""(8) A 1,000,000-point line chart: the document, an update, a zoom.

The app (bench/apps/*/chart.py) replaces the chart's whole y column when the
slider moves. Timed from sending the slider change until the message carrying
the new label has arrived (the chart's new data comes in the same or an
earlier message); bytes are everything received meanwhile. aioserve sends the
downsampled view (at most two points per pixel; 1,200 px until a page reports
its width); Bokeh sends every point. Zoom (aioserve only; Bokeh zooms in the
page with the data it already has): an `x_range` set, timed until its `ok`,
which follows the patch with the new view.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench.load import percentile
from bench.measure_events import slider_value
from bench.protocols import Dialect
from bench.servers import HOST, Server
from bench.wire import connect

OPEN_TIMEOUT_S = 120  # bokeh serve builds and sends 1,000,000 points as JSON
UPDATE_TIMEOUT_S = 60


def _ms(seconds: list[float], q: float) -> float:
    return round(percentile(seconds, q) * 1000, 1)


async def _until(ws: Any, needle: str, timeout: float) -> int:
    """Receive until a text message containing `needle`; the bytes received."""
    got = 0
    deadline = time.monotonic() + timeout
    while True:
        message = await ws.recv(max(0.001, deadline - time.monotonic()))
        got += len(message.encode() if isinstance(message, str) else message)
        if isinstance(message, str) and needle in message:
            return got


async def chart_updates(server: Server, dialect: Dialect, n: int) -> dict[str, object]:
    page = await connect(HOST, server.port)
    t0 = time.perf_counter()
    opened = await dialect.open(page, "chart", timeout=OPEN_TIMEOUT_S)
    open_s = time.perf_counter() - t0
    out: dict[str, object] = {"open_ms": round(open_s * 1000, 1),
                              "doc_bytes": len(opened.doc.encode())}
    slider = dialect.slider_id(opened.doc)
    times, sizes = [], []
    cpu0 = server.cpu_s()
    for i in range(n + 1):  # the first is a warm-up
        value = slider_value(i + 3)
        t = time.perf_counter()
        dialect.send_slider(opened.ws, slider, value)
        got = await _until(opened.ws, f"frequency {value:.2f}", UPDATE_TIMEOUT_S)
        if i:
            times.append(time.perf_counter() - t)
            sizes.append(got)
    out.update(updates=n, update_p50_ms=_ms(times, 50), update_max_ms=_ms(times, 100),
               update_bytes=int(sum(sizes) / len(sizes)),
               server_cpu_per_update_ms=round((server.cpu_s() - cpu0) / (n + 1) * 1000, 1))
    if dialect.name == "aioserve":
        out.update(await _zooms(opened.ws, opened.doc, n, server))
    await opened.ws.close()
    page.transport.close()  # type: ignore[union-attr]
    return out


async def _zooms(ws: Any, doc: str, n: int, server: Server) -> dict[str, object]:
    models = json.loads(doc)["doc"]["models"]
    chart = next(k for k, m in models.items() if m["type"] == "Chart")
    times, sizes = [], []
    cpu0 = server.cpu_s()
    for i in range(n):
        width = 1000 / 2 ** (i % 12)  # from the whole range in to 0.5 (500 rows)
        centre = 300 + 37 * i
        msg_id = 1_000_000 + i
        ws.send(json.dumps({"type": "set", "id": msg_id, "model": chart, "attr": "x_range",
                            "value": [centre - width / 2, centre + width / 2]}))
        t = time.perf_counter()
        sizes.append(await _until(ws, f'"reply_to":{msg_id}', UPDATE_TIMEOUT_S))
        times.append(time.perf_counter() - t)
    return {"zooms": n, "zoom_p50_ms": _ms(times, 50), "zoom_max_ms": _ms(times, 100),
            "zoom_bytes": int(sum(sizes) / len(sizes)),
            "server_cpu_per_zoom_ms": round((server.cpu_s() - cpu0) / n * 1000, 1)}
