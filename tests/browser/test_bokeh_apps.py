"""Unmodified Bokeh apps in Chromium, served by aioserve's bokeh engine.

BokehJS (shipped with the installed Bokeh) renders the page; the tests work it
as a user does (keyboard on a slider, a click on a button) and read what BokehJS
shows and holds (`Bokeh.documents`). The apps are the Bokeh examples of
examples/: bokeh_sliders.py (a script) and bokeh/ (a directory app with a
template, a theme and static files).
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from bokeh.util.token import check_token_signature, generate_secret_key, get_session_id
from playwright.async_api import ConsoleMessage, Error, Page, expect

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SLIDERS = EXAMPLES / "bokeh_sliders.py"
DASHBOARD = EXAMPLES / "bokeh"

# The document arrived over the websocket and BokehJS has drawn every root.
RENDERED = """() => window.Bokeh !== undefined && Bokeh.documents.length > 0
    && Bokeh.documents[0].roots().length > 0 && Bokeh.documents[0].is_idle"""


@dataclass
class Console:
    """What the page wrote to its console, and the errors it raised."""

    errors: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def on_message(self, message: ConsoleMessage) -> None:
        self.lines.append(f"{message.type}: {message.text}")
        if message.type == "error":
            self.errors.append(message.text)

    def on_error(self, error: Error) -> None:
        self.errors.append(f"page error: {error}")


# BokehJS is several MB of scripts to parse per page: on a loaded machine a page takes
# far longer than aioserve's own, so these tests wait longer than conftest's default.
BOKEH_TIMEOUT_MS = 40_000
WAIT = {"timeout": BOKEH_TIMEOUT_MS}  # for expect(), whose own default is 5 s


@pytest_asyncio.fixture(loop_scope="session")
async def console(page: Page) -> AsyncIterator[Console]:
    """Collects the console; a test that ends with a console error fails."""
    page.set_default_timeout(BOKEH_TIMEOUT_MS)
    seen = Console()
    page.on("console", seen.on_message)
    page.on("pageerror", seen.on_error)
    yield seen
    assert seen.errors == [], f"console errors: {seen.errors}\nconsole: {seen.lines}"


async def open_bokeh(page: Page, url: str) -> None:
    await page.goto(url)
    await page.wait_for_function(RENDERED)


async def model(page: Page, name: str, expression: str = "m") -> Any:
    """A JS expression over the model named `name` of the page's Bokeh document."""
    return await page.evaluate(
        f"() => {{ const m = Bokeh.documents[0].get_model_by_name({name!r}); "
        f"return {expression}; }}")


def summary(a: float, k: float, w: float, b: float) -> str:
    """The sliders example's Div, computed by its Python callback."""
    return f"y = {a:.1f} sin({k:.1f} x + {w:.1f}) + {b:.1f}"


async def test_plots_and_widgets_render(live: Any, page: Page, console: Console,
                                        screenshot: Any) -> None:
    server = await live(str(SLIDERS))
    await open_bokeh(page, server.url("/bokeh_sliders"))
    assert await page.evaluate("Bokeh.documents.length") == 1
    assert await page.title() == "Sliders"
    # figure() with its tools, its line and its hover
    tools = await model(page, "wave", "m.toolbar.tools.map(t => t.type)")
    assert {"PanTool", "WheelZoomTool", "BoxZoomTool", "ResetTool", "HoverTool"} <= set(tools)
    assert await model(page, "wave", "m.title.text") == "my sine wave"
    canvas = page.locator("canvas").first
    await expect(canvas).to_be_visible(**WAIT)
    box = await canvas.bounding_box()
    assert box is not None and box["width"] >= 300 and box["height"] >= 300
    # widgets, as the user finds them
    await expect(page.get_by_role("slider")).to_have_count(4, **WAIT)
    await expect(page.get_by_role("button", name="Reset")).to_be_visible(**WAIT)
    await expect(page.get_by_role("textbox")).to_have_value("my sine wave", **WAIT)
    await expect(page.get_by_text(summary(1, 1, 0, 0))).to_be_visible(**WAIT)
    ys = await model(page, "wave_source", "Array.from(m.data.y)")
    assert len(ys) == 200 and max(ys) == pytest.approx(1.0, abs=0.01)
    await screenshot(page, "bokeh-sliders")


async def test_slider_and_button_run_python(live: Any, page: Page, console: Console) -> None:
    server = await live(str(SLIDERS))
    await open_bokeh(page, server.url("/bokeh_sliders"))
    frequency = page.get_by_role("slider").nth(3)  # offset, amplitude, phase, frequency
    await frequency.focus()
    await page.keyboard.press("ArrowRight")  # one step: 1.0 -> 1.1
    await page.keyboard.press("ArrowRight")
    # Slider.on_change ran on the server: it rewrote the Div and the plot's data.
    await expect(page.get_by_text(summary(1, 1.2, 0, 0))).to_be_visible(**WAIT)
    xs = await model(page, "wave_source", "Array.from(m.data.x)")
    ys = await model(page, "wave_source", "Array.from(m.data.y)")
    assert ys[50] == pytest.approx(math.sin(1.2 * xs[50]), abs=1e-9)
    # typing a title runs TextInput.on_change, which sets the plot's title
    title = page.get_by_role("textbox")
    await title.fill("a new title")
    await title.press("Enter")
    await page.wait_for_function(
        "() => Bokeh.documents[0].get_model_by_name('wave').title.text === 'a new title'")
    # Button.on_click ran on the server: it put every slider back.
    await page.get_by_role("button", name="Reset").click()
    await expect(page.get_by_text(summary(1, 1, 0, 0))).to_be_visible(**WAIT)
    assert await model(page, "freq", "m.value") == 1.0
    ys = await model(page, "wave_source", "Array.from(m.data.y)")
    assert ys[50] == pytest.approx(math.sin(xs[50]), abs=1e-9)


async def test_periodic_callback_streams_into_a_plot(live: Any, page: Page,
                                                     console: Console) -> None:
    server = await live(str(DASHBOARD))
    await open_bokeh(page, server.url("/bokeh"))
    first = await model(page, "walk_source", "m.data.t[m.data.t.length - 1]")
    # four ticks a second: wait for a few more points to arrive through stream()
    await page.wait_for_function(
        f"() => {{ const t = Bokeh.documents[0].get_model_by_name('walk_source').data.t;"
        f" return t[t.length - 1] >= {first + 3}; }}")
    await expect(page.get_by_text("streaming", exact=True)).to_be_visible(**WAIT)
    # Pause (Button.on_click) removes the periodic callback on the server
    await page.get_by_role("button", name="Pause").click()
    await expect(page.get_by_role("button", name="Resume")).to_be_visible(**WAIT)
    await expect(page.get_by_text("paused", exact=True)).to_be_visible(**WAIT)
    stopped = await model(page, "walk_source", "m.data.t[m.data.t.length - 1]")
    await page.wait_for_timeout(800)  # three ticks' worth: nothing may arrive
    assert await model(page, "walk_source", "m.data.t[m.data.t.length - 1]") == stopped
    await page.get_by_role("button", name="Resume").click()
    await page.wait_for_function(
        f"() => {{ const t = Bokeh.documents[0].get_model_by_name('walk_source').data.t;"
        f" return t[t.length - 1] >= {stopped + 2}; }}")


async def test_directory_app_with_template_and_theme(live: Any, page: Page, console: Console,
                                                     screenshot: Any) -> None:
    server = await live(str(DASHBOARD), prefix="/apps")
    response = await page.goto(server.url("/apps/bokeh"))
    assert response is not None and response.status == 200
    await page.wait_for_function(RENDERED)
    assert await page.title() == "Streaming dashboard"  # doc.title, set by BokehJS
    # templates/index.html: its header, and the two named roots where it put them
    await expect(page.get_by_role("heading", name="Streaming dashboard")).to_be_visible(**WAIT)
    await expect(page.locator("aside.dash-controls").get_by_role("slider")).to_have_count(2, **WAIT)
    await expect(page.locator("section.dash-charts canvas").first).to_be_visible(**WAIT)
    # static/dashboard.css, at /apps/bokeh/static/ under the prefix, styles the page
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(244, 242, 238)"
    # theme.yaml reached every plot
    assert await model(page, "stream_plot", "m.background_fill_color") == "#fbfaf7"
    assert await model(page, "hist_plot", "m.outline_line_color") is None
    await screenshot(page, "bokeh-directory-app", full_page=True)


async def test_directory_app_template_under_lazy_sessions(
        live: Any, page: Page, console: Console, screenshot: Any) -> None:
    """The page is made before the document exists (the websocket's process builds
    it): the app's template still frames the page and each named root lands in
    the place the template gave it."""
    server = await live(str(DASHBOARD), prefix="/apps", lazy_sessions=True)
    response = await page.goto(server.url("/apps/bokeh"))
    assert response is not None and response.status == 200
    await page.wait_for_function(RENDERED)
    assert await page.title() == "Streaming dashboard"
    await expect(page.get_by_role("heading", name="Streaming dashboard")).to_be_visible(**WAIT)
    await expect(page.locator("aside.dash-controls").get_by_role("slider")).to_have_count(2, **WAIT)
    await expect(page.locator("section.dash-charts canvas").first).to_be_visible(**WAIT)
    # Nothing of the document was left at the end of the body.
    # Both roots sit in the template's places, none left where BokehJS drew them.
    assert await page.evaluate("""() => {
        const roots = Bokeh.documents[0].roots();
        const views = Bokeh.documents[0].views_manager;
        return roots.map(r => views.get(r).el.parentElement.parentElement.tagName);
    }""") == ["ASIDE", "SECTION"]
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(244, 242, 238)"
    await screenshot(page, "bokeh-directory-app-lazy", full_page=True)


async def test_signed_session_page(live: Any, page: Page, console: Console) -> None:
    key = generate_secret_key()
    server = await live(str(SLIDERS), session_ids="signed", secret_key=key)
    await open_bokeh(page, server.url("/bokeh_sliders"))
    # The page's token is Bokeh's signed form: Bokeh's own check accepts it with our key.
    found = re.search(r'"token": ?"([^"]+)"', await page.content())
    assert found is not None, "no token in the page"
    token = found.group(1)
    assert check_token_signature(token, secret_key=key.encode(), signed=True)
    assert not check_token_signature(token, secret_key=generate_secret_key().encode(),
                                     signed=True)
    assert "." in get_session_id(token)  # a signed session id
    await page.get_by_role("slider").nth(0).focus()  # offset
    await page.keyboard.press("ArrowLeft")
    await expect(page.get_by_text(summary(1, 1, 0, -0.1))).to_be_visible(**WAIT)


async def test_bokeh_and_aioserve_apps_in_one_server(live: Any, page: Page,
                                                     console: Console) -> None:
    """As `make serve` runs them: each app gets its engine, from its imports."""
    server = await live([str(SLIDERS), str(EXAMPLES / "sliders.py")])
    await open_bokeh(page, server.url("/bokeh_sliders"))
    await page.get_by_role("button", name="Reset").click()
    await expect(page.get_by_text(summary(1, 1, 0, 0))).to_be_visible(**WAIT)
    await page.goto(server.url("/sliders"))  # aioserve's own client, no BokehJS
    await page.wait_for_selector("#aioserve-status[data-state=connected]")
    assert await page.evaluate("window.Bokeh === undefined")
    await expect(page.get_by_role("slider")).to_have_count(1, **WAIT)
    await page.get_by_role("button", name="Reset", exact=True).click()
    await expect(page.get_by_text("frequency 1.0")).to_be_visible(**WAIT)
    await page.goto(server.url("/"))  # the index lists both
    await expect(page.get_by_role("link", name=re.compile("bokeh_sliders"))).to_be_visible(**WAIT)
    await expect(page.get_by_role("link", name=re.compile(r"^sliders"))).to_be_visible(**WAIT)


SHOUT = '''\
"""A custom Bokeh model with a TypeScript implementation, in a module of its own."""
from bokeh.core.properties import String
from bokeh.models import UIElement
from bokeh.util.compiler import TypeScript

TS = """
import {UIElement, UIElementView} from "models/ui/ui_element"
import type * as p from "core/properties"

export class ShoutView extends UIElementView {
  declare model: Shout
  override render(): void {
    super.render()
    const el = document.createElement("b")
    el.className = "shout"
    el.textContent = this.model.text.toUpperCase()
    this.shadow_el.appendChild(el)
  }
}
export namespace Shout {
  export type Attrs = p.AttrsOf<Props>
  export type Props = UIElement.Props & {text: p.Property<string>}
}
export interface Shout extends Shout.Attrs {}
export class Shout extends UIElement {
  declare properties: Shout.Props
  declare __view_type__: ShoutView
  constructor(attrs?: Partial<Shout.Attrs>) { super(attrs) }
  static {
    this.prototype.default_view = ShoutView
    this.define<Shout.Props>(({Str}) => ({text: [Str, ""]}))
  }
}
"""


class Shout(UIElement):
    __implementation__ = TypeScript(TS)
    text = String(default="")
'''


async def test_a_custom_model_with_a_typescript_implementation_renders(
        live: Any, page: Page, console: Console, tmp_path: Path) -> None:
    """As `bokeh serve` does, Bokeh compiles the implementation with Node when the page
    is made; Node must read Bokeh's compiler as CommonJS (the Makefile gives the venv a
    package.json of its own: this repository's says "type": "module")."""
    app = tmp_path / "custom"
    app.mkdir()
    (app / "shout_model.py").write_text(SHOUT)
    (app / "main.py").write_text(
        "from bokeh.io import curdoc\nfrom shout_model import Shout\n"
        "curdoc().add_root(Shout(text='made in typescript', name='shout'))\n")
    server = await live(str(app))
    await open_bokeh(page, server.url("/custom"))
    assert await model(page, "shout", "m.type") == "Shout"
    await expect(page.locator("b.shout")).to_have_text("MADE IN TYPESCRIPT", **WAIT)
