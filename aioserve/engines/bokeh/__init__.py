"""The bokeh engine: unmodified Bokeh apps, built and serialised by the installed
Bokeh, rendered by its BokehJS, served by aiohttp (no Tornado server runs).

Needs the extra `aioserve[bokeh]`; `aioserve.engines.choice` imports this
package only once it knows Bokeh is installed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bokeh.application.application import Application as BokehApplication
from bokeh.application.handlers.directory import DirectoryHandler
from bokeh.application.handlers.function import FunctionHandler
from bokeh.application.handlers.handler import Handler as BokehHandler
from bokeh.application.handlers.notebook import NotebookHandler
from bokeh.application.handlers.script import ScriptHandler
from bokeh.document import Document as BokehDocument
from bokeh.model import Model as BokehModel
from bokeh.server.session import ServerSession as BokehServerSession

from aioserve.engines.base import Engine, EngineSession, Timing
from aioserve.engines.bokeh import pages, protocol
from aioserve.engines.bokeh.session import (
    AppServerContext,
    BokehSession,
    build_session,
    end_session,
)
from aioserve.errors import AppLoadError
from aioserve.sessions.incidents import AppIncidents

if TYPE_CHECKING:
    from aiohttp import web

    from aioserve.server.served_app import ServedApp
    from aioserve.sessions.connection import Connection
    from aioserve.sessions.context import SessionContext

log = logging.getLogger("aioserve.server")


def is_bokeh_app_object(app: Any) -> bool:
    return isinstance(app, (BokehApplication, BokehHandler))


class BokehEngine(Engine):
    """Serves a `bokeh.application.Application`: a script, a notebook, a
    directory app (main.py/main.ipynb, server_lifecycle.py/app_hooks.py,
    static/, templates/index.html, theme.yaml) or any Bokeh handlers."""

    name = "bokeh"
    subprotocol = "bokeh"

    def __init__(self, application: BokehApplication, *, path: Path | None = None,
                 argv: Sequence[str] = ()) -> None:
        self.application = application
        self.path = path  # what --dev reloads from; None for an object
        self.argv = list(argv)
        self._live: dict[str, BokehSession] = {}
        self.server_context = AppServerContext(
            lambda: [s.bokeh for s in self._live.values()])

    @classmethod
    def from_path(cls, path: Path, argv: Sequence[str]) -> BokehEngine:
        return cls(_load(path, argv), path=path, argv=argv)

    @classmethod
    def from_object(cls, app: Any) -> BokehEngine:
        if isinstance(app, BokehApplication):
            return cls(app)
        if isinstance(app, BokehHandler):
            return cls(BokehApplication(app))
        return cls(BokehApplication(FunctionHandler(app)))

    # ---- what the core routes and watches

    @property
    def static_path(self) -> Path | None:
        static = self.application.static_path
        return Path(static).resolve() if static else None

    @property
    def folder(self) -> Path | None:
        return self.path.resolve() if self.path is not None and self.path.is_dir() else None

    @property
    def template(self) -> Any:
        """A directory app's templates/index.html (for pages made before the document)."""
        found = (getattr(h, "_template", None) for h in self.application.handlers)
        return next((t for t in found if t is not None), None)

    @property
    def metadata(self) -> Any:
        return self.application.metadata

    def process_request(self, request: web.Request) -> dict[str, Any]:
        return self.application.process_request(TornadoLikeRequest(request))  # type: ignore[arg-type]

    async def on_server_loaded(self, server_context: Any) -> None:
        self.application.on_server_loaded(self.server_context)

    async def on_server_unloaded(self, server_context: Any) -> None:
        self.application.on_server_unloaded(self.server_context)

    # ---- sessions

    async def create_session(self, context: SessionContext, *,
                             incidents: AppIncidents | None = None) -> BokehSession:
        incidents = incidents or AppIncidents(context.app_path)
        try:
            bokeh_session, session_context = await build_session(
                self.application, context, self.server_context, incidents)
        except Exception as exc:
            raise AppLoadError(str(exc)) from exc
        session = BokehSession(bokeh_session, session_context, self._end)
        self._live[session.id] = session
        return session

    async def _end(self, session: BokehSession) -> None:
        if self._live.get(session.id) is session:
            del self._live[session.id]
        await end_session(session, self.application)

    # ---- pages and the websocket

    def render_page(self, request: web.Request, served: ServedApp, *, token: str,
                    session: EngineSession | None) -> web.Response:
        return pages.page_response(request, token=token, session=session,
                                   template=self.template)

    def autoload_script(self, request: web.Request, served: ServedApp, *, element_id: str,
                        base_url: str, token: str, error: str | None) -> str:
        app_path = str(request.app.router[f"page.{served.key}"].url_for())
        return pages.autoload_js(request, app_path=app_path, element_id=element_id,
                                 base_url=base_url, token=token, error=error)

    async def converse(self, ws: web.WebSocketResponse, connection: Connection,
                       session: EngineSession, *, max_message_bytes: int,
                       timing: Timing | None) -> None:
        assert isinstance(session, BokehSession)  # this engine made it
        await protocol.converse(ws, connection, session, timing)

    app_module_prefix = "bokeh_app_"

    def memory_kinds(self) -> dict[str, tuple[type, ...]]:
        return {"Documents": (BokehDocument,), "Sessions": (BokehServerSession,),
                "Models": (BokehModel,)}

    def add_routes(self, app: web.Application) -> None:
        pages.add_static_routes(app)

    # ---- --dev

    def watched_files(self) -> list[Path]:
        return [self.path.resolve()] if self.path is not None else []

    def reload(self, changed: set[Path]) -> list[str]:
        """Build the application again from its files (a broken file keeps the old one)."""
        if self.path is None:
            return []
        try:
            application = _load(self.path, self.argv)
        except AppLoadError as exc:
            return [str(exc)]
        old, self.application = self.application, application
        if self.folder is not None:  # its lifecycle hooks, as a restarted `bokeh serve` runs them
            try:
                old.on_server_unloaded(self.server_context)
                application.on_server_loaded(self.server_context)
            except Exception as exc:
                log.exception("--dev: a server hook of %s failed while reloading", self.path)
                return [f"{type(exc).__name__}: {exc}"]
        return []


def _load(path: Path, argv: Sequence[str]) -> BokehApplication:
    """A Bokeh Application for a script, a notebook or a directory, as `bokeh serve`
    builds it (bokeh.command.util.build_single_handler_application)."""
    resolved = str(path.resolve())
    handler: BokehHandler
    if path.is_dir():
        if not (path / "main.py").is_file() and not (path / "main.ipynb").is_file():
            raise AppLoadError(f"{path}: a directory app needs a main.py or main.ipynb")
        handler = DirectoryHandler(filename=resolved, argv=list(argv))
    elif path.suffix == ".ipynb" and path.is_file():
        handler = NotebookHandler(filename=resolved, argv=list(argv))
    elif path.suffix == ".py" and path.is_file():
        handler = ScriptHandler(filename=resolved, argv=list(argv))
    elif not path.exists():
        raise AppLoadError(f"{path}: no such file or directory")
    else:
        raise AppLoadError(f"{path}: expected a .py script, a .ipynb notebook or a directory")
    if handler.failed:
        raise AppLoadError(f"{path}: {handler.error}")
    return BokehApplication(handler)


class TornadoLikeRequest:
    """The page request as a Bokeh `process_request(request)` hook reads it
    (Tornado's names: `arguments` as lists of bytes, `headers`, `cookies`...)."""

    def __init__(self, request: web.Request) -> None:
        self._request = request
        self.headers = request.headers
        self.cookies = dict(request.cookies)
        self.arguments: dict[str, list[bytes]] = {}
        for name, value in request.query.items():
            self.arguments.setdefault(name, []).append(value.encode())
        self.query_arguments = self.arguments
        self.method = request.method
        self.uri = str(request.rel_url)
        self.path = request.path
        self.query = request.query_string
        self.host = request.host
        self.protocol = request.scheme
        self.remote_ip = request.remote


__all__ = ["BokehEngine", "is_bokeh_app_object"]
