"""The aioserve engine: our own documents, protocol (docs/protocol.md) and client."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aioserve.application.application import Application
from aioserve.application.handlers import MODULE_PREFIX, call_hook, drop_modules
from aioserve.document.document import Document
from aioserve.document.loop_time import HeldTime
from aioserve.document.model import Model
from aioserve.engines.base import Engine, EngineSession, Timing
from aioserve.sessions.incidents import AppIncidents
from aioserve.sessions.protocol import SUBPROTOCOL, reload_message
from aioserve.sessions.session import ServerSession

if TYPE_CHECKING:
    from aiohttp import web

    from aioserve.server.served_app import ServedApp
    from aioserve.sessions.connection import Connection
    from aioserve.sessions.context import SessionContext


class AioserveEngine(Engine):
    """Serves an aioserve `Application` (script, notebook, directory or function)."""

    name = "aioserve"
    subprotocol = SUBPROTOCOL

    def __init__(self, application: Application) -> None:
        self.application = application

    # A directory app's folders and hooks, as the application found them.
    @property
    def static_path(self) -> Path | None:
        return self.application.static_path

    @property
    def templates_path(self) -> Path | None:
        return self.application.templates_path

    @property
    def theme_path(self) -> Path | None:
        return self.application.theme_path

    @property
    def folder(self) -> Path | None:
        return self.application.folder

    @property
    def hooks_path(self) -> Path | None:
        return self.application.hooks_path

    @property
    def metadata(self) -> Any:
        return self.application.metadata

    def process_request(self, request: web.Request) -> dict[str, Any]:
        return self.application.process_request(request)

    async def on_server_loaded(self, server_context: Any) -> None:
        await self.application.on_server_loaded(server_context)

    async def on_server_unloaded(self, server_context: Any) -> None:
        await self.application.on_server_unloaded(server_context)

    async def create_session(self, context: SessionContext, *,
                             incidents: AppIncidents | None = None) -> ServerSession:
        incidents = incidents or AppIncidents(context.app_path)
        held = HeldTime()  # the loop watchdog times the app's own code
        doc = await self.application.build_document(context, held)
        incidents.build_held(context.id, held.longest_s)
        return ServerSession(context, doc, on_destroy=self._session_destroyed,
                             incidents=incidents)

    async def _session_destroyed(self, session: ServerSession) -> None:
        try:
            await self.application.on_session_destroyed(session.context)
        finally:
            drop_modules(session.document)

    def render_page(self, request: web.Request, served: ServedApp, *, token: str,
                    session: EngineSession | None) -> web.Response:
        from aioserve.server.pages import render

        return render(request, served, token=token,
                      title=session.title if session is not None else "")

    def autoload_script(self, request: web.Request, served: ServedApp, *, element_id: str,
                        base_url: str, token: str, error: str | None) -> str:
        from aioserve.server.autoload import aioserve_script

        return aioserve_script(request, served, element_id, base_url, token=token, error=error)

    async def converse(self, ws: web.WebSocketResponse, connection: Connection,
                       session: EngineSession, *, max_message_bytes: int,
                       timing: Timing | None) -> None:
        from aioserve.server.websocket import converse

        assert isinstance(session, ServerSession)  # this engine made it
        with connection.corked():  # written at once, no writer task
            connection.send(session.ack_message(max_message_bytes))
        await converse(ws, connection, session, timing)

    app_module_prefix = MODULE_PREFIX

    def memory_kinds(self) -> dict[str, tuple[type, ...]]:
        return {"Documents": (Document,), "Sessions": (ServerSession,), "Models": (Model,)}

    def reload_message(self) -> str | None:
        return reload_message()

    def watched_files(self) -> list[Path]:
        return self.application.watched_files()

    def reload(self, changed: set[Path]) -> list[str]:
        self.application.reload()
        return [e for h in self.application.handlers if (e := getattr(h, "error", None))]

    async def reload_hooks(self, server_context: Any) -> None:
        """Raises AppLoadError (the old hooks stay) when the new file does not load."""
        old = self.application.reload_hooks()
        await call_hook(getattr(old, "on_server_unloaded", None), server_context)
        await self.application.on_server_loaded(server_context)
