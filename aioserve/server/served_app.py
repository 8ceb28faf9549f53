"""One application as the server serves it: its route, engine, sessions and page template."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from aioserve.application.application import Application
from aioserve.engines.base import Engine, EngineSession
from aioserve.sessions.context import RequestData, SessionContext
from aioserve.sessions.registry import SessionRegistry

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True)


@dataclass(eq=False)
class ServedApp:
    """`path` is the route under the prefix: "/sliders", or "/" for a root app."""

    path: str
    engine: Engine
    key: str = "app0"  # names its routes: aiohttp route names must be identifiers
    registry: SessionRegistry = field(init=False)
    template: jinja2.Template = field(init=False)
    server_context: Any = None
    # The title of the last document this process built for the app. A page with no
    # session of its own (--lazy-sessions, --num-procs) shows it, not the route name.
    title_seen: str = ""

    def __post_init__(self) -> None:
        self.registry = SessionRegistry(self.path)
        self.load_template()

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

    @property
    def application(self) -> Application:
        """The aioserve engine's Application (an AttributeError under another engine)."""
        application = getattr(self.engine, "application", None)
        if not isinstance(application, Application):
            raise AttributeError(f"{self.path} is served by the {self.engine.name} engine")
        return application

    async def create_session(self, session_id: str, request: RequestData, *,
                             user: Any = "default_user", logout_url: str | None = None,
                             token_payload: dict[str, Any] | None = None) -> EngineSession:
        """Build a new session (the engine runs the app); not registered: see
        `page_session.open_session`, which makes this run once per id."""
        context = SessionContext(id=session_id, request=request, user=user,
                                 logout_url=logout_url, token_payload=token_payload or {},
                                 server_context=self.server_context, app_path=self.path)
        session = await self.engine.create_session(context)
        self.title_seen = session.title or self.title_seen
        return session

