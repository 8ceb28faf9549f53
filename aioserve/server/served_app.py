"""One application as the server serves it: its route, engine, sessions and page template."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from aioserve.application.application import Application
from aioserve.engines.base import Engine, EngineSession
from aioserve.sessions.context import RequestData, SessionContext
from aioserve.sessions.incidents import GENERIC_BUILD_ERROR, AppIncidents, new_error_id
from aioserve.sessions.registry import SessionRegistry

log = logging.getLogger("aioserve.server")

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True)


class AppFailed(Exception):
    """`process_request` or the app raised. The message (the details) is shown where
    the app would be only with --show-errors; visitors otherwise get `error_id`,
    which the log line carries too."""

    def __init__(self, detail: str, error_id: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.error_id = error_id

    def public(self, show_errors: bool) -> str:
        """What a visitor is told in one line (a close reason, an embed's card)."""
        if show_errors:
            return f"{self.detail} (error id {self.error_id})"
        return f"{GENERIC_BUILD_ERROR} Error id: {self.error_id}"


def load_problem(engine: Engine) -> str | None:
    """Why the app's code does not load, in one line (None: it loads)."""
    application = getattr(engine, "application", None)
    return application.load_problem() if isinstance(application, Application) else None


@dataclass(eq=False)
class ServedApp:
    """`path` is the route under the prefix: "/sliders", or "/" for a root app."""

    path: str
    engine: Engine
    key: str = "app0"  # names its routes: aiohttp route names must be identifiers
    show_errors: bool = False  # --show-errors (or --dev): visitors see error details
    slow_callback_ms: int = 200
    registry: SessionRegistry = field(init=False)
    incidents: AppIncidents = field(init=False)
    template: jinja2.Template = field(init=False)
    server_context: Any = field(default=None, init=False)  # set by `load`
    # The title of the last document this process built for the app. A page with no
    # session of its own (--lazy-sessions, --num-procs) shows it, not the route name.
    title_seen: str = ""

    def __post_init__(self) -> None:
        self.registry = SessionRegistry(self.path)
        self.incidents = AppIncidents(self.path, show_errors=self.show_errors,
                                      slow_callback_ms=self.slow_callback_ms)
        self.load_template()

    async def load(self, server_context: Any) -> None:
        """Server start: the context its sessions and hooks see, then `on_server_loaded`."""
        self.server_context = server_context
        await self.engine.on_server_loaded(server_context)

    def load_template(self) -> None:
        base = TEMPLATES.get_template("page.html")
        folder = self.engine.templates_path
        if folder is None:
            self.template = base
            return
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True)
        self.template = env.get_template("index.html", globals={"base": base})

    def route(self, suffix: str) -> str:
        """The route of a sub-path: route("/ws") is "/sliders/ws", or "/ws" at the root."""
        return (self.path.rstrip("/") + suffix) or "/"

    @property
    def name(self) -> str:
        return self.path.strip("/")

    async def create_session(self, session_id: str, request: RequestData, *,
                             user: Any = "default_user", logout_url: str | None = None,
                             token_payload: dict[str, Any] | None = None) -> EngineSession:
        """Build a new session (the engine runs the app); not registered: see
        `page_session.open_session`, which makes this run once per id."""
        context = SessionContext(id=session_id, request=request, user=user,
                                 logout_url=logout_url, token_payload=token_payload or {},
                                 server_context=self.server_context, app_path=self.path)
        try:
            session = await self.engine.create_session(context, incidents=self.incidents)
        except Exception as exc:
            # Logged once here, so every waiter for this session shows the same id.
            error_id = new_error_id()
            log.error("Error building a session of %s (error id %s)", self.path, error_id,
                      exc_info=exc)
            raise AppFailed(f"{type(exc).__name__}: {exc}", error_id) from exc
        self.title_seen = session.title or self.title_seen
        return session

