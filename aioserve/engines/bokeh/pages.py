"""A Bokeh app's page and autoload.js, and BokehJS's files, served by aiohttp.

The HTML and the script come from Bokeh's own embed templates, so BokehJS
finds what it expects; the URLs of BokehJS's files carry `?v=<hash of the
file>` as `bokeh serve` makes them (Tornado's `StaticHandler` is not used).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from bokeh.core.templates import AUTOLOAD_JS
from bokeh.core.types import ID
from bokeh.document import Document as BokehDocument
from bokeh.embed.bundle import Script, bundle_for_objs_and_resources, extension_dirs
from bokeh.embed.elements import html_page_for_render_items, script_for_render_items
from bokeh.embed.util import RenderItem, RenderRoot, RenderRoots
from bokeh.resources import Resources
from bokeh.settings import settings
from bokeh.util.serialization import make_globally_unique_css_safe_id
from jinja2 import Template

if TYPE_CHECKING:
    from aioserve.engines.base import EngineSession

log = logging.getLogger("aioserve.server")

STATIC_ROUTE = "bokeh-static"
NO_STORE = {"Cache-Control": "no-store"}


def bokehjs_folder() -> Path:
    return Path(settings.bokehjs_path())


@functools.cache
def file_version(relative: str) -> str:
    """A hash of one BokehJS file's content: it changes exactly when the file does."""
    try:
        data = (bokehjs_folder() / relative).read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(data).hexdigest()[:32]


def versioned(relative: str) -> str:
    version = file_version(relative)
    return f"{relative}?v={version}" if version else relative


def resources(request: web.Request, base_url: str = "") -> Resources:
    """BokehJS from this server: `<mount><prefix>/static/...?v=hash`."""
    static_js = str(request.app.router[STATIC_ROUTE].url_for(filename="js"))
    root_url = base_url + static_js[: -len("static/js")]
    return Resources(mode="server", root_url=root_url, path_versioner=versioned)


async def cache_versioned(request: web.Request, response: web.StreamResponse) -> None:
    """A BokehJS file asked for by its hash never changes; another site's page
    (autoload.js) loads them too."""
    if response.status == 200 and "v" in request.query and (
            request.match_info.route.name == STATIC_ROUTE):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        response.headers["Access-Control-Allow-Origin"] = "*"


def add_static_routes(app: web.Application) -> None:
    app.router.add_get("/static/extensions/{name}/{path:.+}", extension_file,
                       name="bokeh-extensions")
    app.router.add_static("/static", bokehjs_folder(), name=STATIC_ROUTE)
    app.on_response_prepare.append(cache_versioned)


async def extension_file(request: web.Request) -> web.StreamResponse:
    """The compiled JavaScript of a Bokeh extension package, where Bokeh's page
    bundle points (`/static/extensions/<name>/...`, as `bokeh serve` serves it)."""
    path = _extension_path(request.match_info["name"], request.match_info["path"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(path)


def _extension_path(name: str, relative: str) -> Path | None:
    folder = extension_dirs.get(name)
    if folder is None:
        return None
    root = Path(folder).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():  # never outside its folder
        return None
    return path


def page_html(request: web.Request, *, token: str, document: BokehDocument | None,
              template: Template | None = None) -> str:
    """Bokeh's server page for a session. Document None: lazy sessions, where the
    document arrives with the websocket, from the process that built it; then
    `template` (the app's templates/index.html) gets placeholders for its named
    roots, which a small script fills once BokehJS has drawn them."""
    bundle = bundle_for_objs_and_resources(None, resources(request))
    if document is None:
        item = RenderItem(token=token, use_for_title=True)
        if template is not None:
            html = _lazy_template_page(bundle, item, template)
            if html is not None:
                return html
        return html_page_for_render_items(bundle, {}, [item], None)
    item = RenderItem(token=token, roots=list(document.roots), use_for_title=True)
    return html_page_for_render_items(bundle, {}, [item], document.title,
                                      template=document.template,
                                      template_variables=document.template_variables)


class PlaceholderRoots(RenderRoots):
    """`roots` of a template rendered before the document exists: `roots.NAME`
    is an empty element for the root of that name, remembered in `places`."""

    def __init__(self) -> None:
        super().__init__({})
        self.places: dict[str, str] = {}

    def __getitem__(self, key: int | str) -> RenderRoot:
        if not isinstance(key, str):
            raise LookupError("roots by position are unknown before the document exists")
        element = self.places.setdefault(key, make_globally_unique_css_safe_id())
        return RenderRoot(ID(element), ID(""), key)

    def __getattr__(self, key: str) -> RenderRoot:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]


_PLACE_ROOTS = """<script>
(function() {
  const places = %s;
  // BokehJS draws each root into the body; move each named one to its place.
  function place() {
    for (const doc of (window.Bokeh ? Bokeh.documents : [])) {
      const views = doc.views_manager;
      for (const root of views ? doc.roots() : []) {
        const target = places[root.name] ? document.getElementById(places[root.name]) : null;
        const view = target ? views.get(root) : null;
        if (view && view.el.parentNode !== target) target.appendChild(view.el);
      }
    }
  }
  new MutationObserver(place).observe(document.body, {childList: true});
})();
</script>
"""


def _lazy_template_page(bundle: Any, item: RenderItem, template: Template) -> str | None:
    """The app's template with placeholders, or None when it cannot render
    without the document (it reads roots by position, say)."""
    roots = PlaceholderRoots()
    item.roots = roots
    try:
        html = html_page_for_render_items(bundle, {}, [item], None, template=template)
    except Exception as exc:
        log.warning("Lazy sessions: the app's template needs its document (%s: %s); "
                    "using Bokeh's default page", type(exc).__name__, exc)
        return None
    script = _PLACE_ROOTS % json.dumps(roots.places)
    end = html.rfind("</body>")
    return html[:end] + script + html[end:] if end >= 0 else html + script


def page_response(request: web.Request, *, token: str, session: EngineSession | None,
                  template: Template | None = None) -> web.Response:
    document = getattr(session, "document", None)
    html = page_html(request, token=token, document=document, template=template)
    return web.Response(text=html, content_type="text/html", headers=NO_STORE)


def autoload_js(request: web.Request, *, app_path: str, element_id: str, base_url: str,
                token: str, error: str | None) -> str:
    """What `bokeh.embed.server_document` loads: BokehJS, then the session into
    the element (or, when the app failed, the error in its place)."""
    if error is not None:
        return _error_script(element_id, error)
    absolute_url = request.query.get("bokeh-absolute-url") or None
    # server_document() names the app's path; a hand-written tag may not.
    app_path = request.query.get("bokeh-app-path") or app_path
    with_resources = request.query.get("resources") != "none"
    bundle = bundle_for_objs_and_resources(
        None, resources(request, base_url) if with_resources else None)
    item = RenderItem(token=token, elementid=ID(element_id), use_for_title=False)
    bundle.add(Script(script_for_render_items({}, [item], app_path=app_path,
                                              absolute_url=absolute_url)))
    return AUTOLOAD_JS.render(bundle=bundle, elementid=element_id)


def _error_script(element_id: str, error: str) -> str:
    return (f"(function() {{ const el = document.getElementById({json.dumps(element_id)});"
            f" if (el) {{ const pre = document.createElement('pre');"
            f" pre.textContent = {json.dumps('This app failed to start: ' + error)};"
            f" el.replaceChildren(pre); }} }})();\n")
