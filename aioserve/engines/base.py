"""The engine seam: what the server core asks of the thing that knows documents.

The core (routes, the session registry and reaper, ids and tokens, origin and
auth checks, XSRF, keep-alive, metrics, drain, --dev, lazy sessions) holds one
`Engine` per served app and one `EngineSession` per session. It never builds,
serialises or patches a document itself: the engine does, and speaks the
websocket protocol once the core has accepted the connection.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from aiohttp import web

    from aioserve.server.served_app import ServedApp
    from aioserve.sessions.connection import Connection
    from aioserve.sessions.context import SessionContext
    from aioserve.sessions.incidents import AppIncidents

Timing = Callable[[float], None]  # --metrics: receives the seconds one message took


class EngineSession(Protocol):
    """A live session as the core sees it: an id, connections, an age, an end."""

    @property
    def id(self) -> str: ...
    @property
    def connections(self) -> set[Connection]: ...
    @property
    def title(self) -> str: ...
    @property
    def callback_errors(self) -> int: ...
    @property
    def destroyed(self) -> bool: ...
    def subscribe(self, connection: Connection) -> None: ...
    def unsubscribe(self, connection: Connection) -> None: ...
    def idle_ms(self, now: float) -> float: ...
    async def destroy(self) -> None: ...


class Engine(ABC):
    """One app as an engine serves it.

    The attributes are what the core routes and watches; `None` means the app
    has no such thing. The methods are the engine's side of each route.
    """

    name: str = ""  # "aioserve" or "bokeh"
    subprotocol: str = ""  # the first websocket subprotocol; the token is the second

    @property
    def static_path(self) -> Path | None:
        """A folder served at /<app>/static."""
        return None

    @property
    def templates_path(self) -> Path | None:
        """A folder with the app's page template (index.html), rendered by the core."""
        return None

    @property
    def theme_path(self) -> Path | None:
        """A stylesheet served at /<app>/theme.css."""
        return None

    @property
    def folder(self) -> Path | None:
        """A directory app's folder (--dev watches it whole)."""
        return None

    @property
    def hooks_path(self) -> Path | None:
        """The lifecycle hooks file (--dev reloads the hooks when it changes)."""
        return None

    @property
    def metadata(self) -> Any:
        """What /<app>/metadata reports: a dict, or a callable returning one."""
        return None

    def process_request(self, request: web.Request) -> dict[str, Any]:
        """The app's `process_request` hook: extra token payload for this page."""
        return {}

    async def on_server_loaded(self, server_context: Any) -> None:
        """Before the first request."""
        return None

    async def on_server_unloaded(self, server_context: Any) -> None:
        """After the last session ended."""
        return None

    @abstractmethod
    async def create_session(self, context: SessionContext, *,
                             incidents: AppIncidents | None = None) -> EngineSession:
        """Run the app for a new session; raise (leaving nothing behind) if it fails.
        `incidents` is where the app's callback errors and slow callbacks go."""

    @abstractmethod
    def render_page(self, request: web.Request, served: ServedApp, *, token: str,
                    session: EngineSession | None) -> web.Response:
        """The app's page embedding `token`; `session` is None under lazy sessions."""

    @abstractmethod
    def autoload_script(self, request: web.Request, served: ServedApp, *, element_id: str,
                        base_url: str, token: str, error: str | None) -> str:
        """The body of /<app>/autoload.js, mounting the app into `element_id`."""

    @abstractmethod
    async def converse(self, ws: web.WebSocketResponse, connection: Connection,
                       session: EngineSession, *, max_message_bytes: int,
                       timing: Timing | None) -> None:
        """Speak the protocol on an accepted websocket until it closes."""

    def reload_message(self) -> str | None:
        """What --dev sends a page before closing it (None: just close it)."""
        return None

    def watched_files(self) -> list[Path]:
        return []

    def reload(self, changed: set[Path]) -> list[str]:
        """--dev: read the app's code again; returns the load errors (none: fine)."""
        return []

    async def reload_hooks(self, server_context: Any) -> None:
        """--dev: the lifecycle hooks file changed."""
        return None

    def memory_kinds(self) -> dict[str, tuple[type, ...]]:
        """The types the DEBUG memory lines count ("Documents", "Sessions", "Models"),
        and with `app_module_prefix` the per-session modules, as `bokeh serve` does."""
        return {}

    app_module_prefix = ""

    def add_routes(self, app: web.Application) -> None:
        """Routes beyond the core's (once per aiohttp application, for every app)."""
        return None
