"""Our own examples, driven headlessly through the real protocol with the plugin's fixture."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from pathlib import Path

from aioserve.testing import AppSession

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OpenSession = Callable[..., Awaitable[AppSession]]


async def test_sliders_redraws_when_the_frequency_changes(aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "sliders.py")
    assert s.title == "Sliders"
    freq = s.find(type="Slider")
    assert freq.title == "Frequency" and freq.value == 1
    await s.set(freq, value=2.5)
    await s.settled()
    assert s.find(name="label").text == "frequency 2.5"
    source = s.find(type="ColumnDataSource")  # the page got the new curve
    xs, ys = source.data["x"], source.data["y"]
    assert ys[10] == math.sin(2.5 * xs[10])
    assert "Frequency 2.5" in s.text()


async def test_sliders_reset_button_puts_the_frequency_back(
        aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "sliders.py")
    await s.set(s.find(type="Slider"), value=4)
    await s.settled()
    await s.click(s.find(label="Reset"))  # an async callback
    await s.settled()
    assert s.find(type="Slider").value == 1
    assert s.find(name="label").text == "frequency 1.0"
    assert s.server_document.select_one(name="label").text == "frequency 1.0"


async def test_sliders_clock_ticks_by_itself(aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "sliders.py")
    await s.wait_for(lambda doc: doc.find(name="clock").text == "session open for 1 s",
                     timeout=5)


async def test_dashboard_greets_the_visitor_from_process_request(
        aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "dashboard", query={"name": "Ada"})
    assert s.title == "Dashboard"
    assert s.find(name="greeting").text.startswith("Hello, Ada! Page requested at ")


async def test_dashboard_streams_rows_into_the_table(aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "dashboard")
    source = s.find(type="ColumnDataSource")
    assert source.data["t"] == [1, 2, 3, 4, 5]
    await s.wait_for(lambda doc: len(doc.find(type="ColumnDataSource").data["t"]) >= 6,
                     timeout=5)
    assert source.data["t"][:6] == [1, 2, 3, 4, 5, 6]
    assert "Tick | Temperature (°C) | Humidity (%)" in s.text()


async def test_dashboard_pause_stops_the_stream(aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "dashboard")
    pause = s.find(name="pause")
    await s.click(pause)
    await s.settled()
    assert pause.label == "Resume" and s.find(name="status").text == "paused"
    rows = len(s.find(type="ColumnDataSource").data["t"])
    server_source = s.server_model(s.find(type="ColumnDataSource"))
    s.server_document.add_next_tick_callback(lambda: None)  # nothing may sneak in
    await s.settled()
    assert len(server_source.data["t"]) == rows  # type: ignore[attr-defined]
    await s.click(pause)
    await s.settled()
    assert pause.label == "Pause" and s.find(name="status").text == "streaming"


async def test_dashboard_window_changes_the_chart_title(aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "dashboard")
    await s.set(s.find(type="Select"), value="10")
    await s.settled()
    assert s.find(type="Chart").title == "Last 10 readings"
    assert "Keep 10" in s.text()


async def test_explorer_chart_title_names_both_axes_as_the_selects_do(
        aioserve_session: OpenSession) -> None:
    s = await aioserve_session(EXAMPLES / "explorer.py")
    chart = s.find(type="Chart", label="Mean temperature (°C) by latitude (°)")
    await s.set(s.find(label="X axis"), value="temperature")
    await s.settled()
    assert chart.title == "Mean temperature (°C), on both axes"
    await s.set(s.find(label="Y axis"), value="rainfall")
    await s.set(s.find(label="Continents"), value=["Europe"])  # a filter redraws it too
    await s.settled()
    assert chart.title == "Rainfall (mm / year) by mean temperature (°C)"
    assert (chart.x_label, chart.y_label) == ("Mean temperature (°C)", "Rainfall (mm / year)")
