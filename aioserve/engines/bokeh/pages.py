"""A Bokeh app's page and autoload.js, and BokehJS's files, served by aiohttp.

The HTML and the script come from Bokeh's own embed templates, so BokehJS
finds what it expects; the URLs of BokehJS's files carry `?v=<hash of the
file>` as `bokeh serve` makes them (Tornado's `StaticHandler` is not used).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from bokeh.core.templates import AUTOLOAD_JS
from bokeh.core.types import ID
from bokeh.document import Document as BokehDocument
from bokeh.embed.bundle import Script, bundle_for_objs_and_resources, extension_dirs
from bokeh.embed.elements import html_page_for_render_items, script_for_render_items
from bokeh.embed.util import RenderItem
from bokeh.resources import Resources
from bokeh.settings import settings

if TYPE_CHECKING:
    from aioserve.engines.base import EngineSession

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


def page_html(request: web.Request, *, token: str, document: BokehDocument | None) -> str:
    """Bokeh's server page for a session (document None: lazy sessions, where the
    document goes into the page body once the websocket's process built it)."""
    bundle = bundle_for_objs_and_resources(None, resources(request))
    if document is None:
        item = RenderItem(token=token, use_for_title=True)
        return html_page_for_render_items(bundle, {}, [item], None)
    item = RenderItem(token=token, roots=list(document.roots), use_for_title=True)
    return html_page_for_render_items(bundle, {}, [item], document.title,
                                      template=document.template,
                                      template_variables=document.template_variables)


def page_response(request: web.Request, *, token: str,
                  session: EngineSession | None) -> web.Response:
    document = getattr(session, "document", None)
    html = page_html(request, token=token, document=document)
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
