"""A real aioserve server on 127.0.0.1 and a free port, inside the test's event loop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from aioserve.client.session import Opening
from aioserve.config import Config
from aioserve.server.app import Apps, create_app
from aioserve.server.keys import STATE, ServerState, aioserve_apps, states_of
from aioserve.sessions.session import ServerSession
from aioserve.testing.session import AppSession


class AppServer:
    """Serves `create_app(apps, config, **options)` (or any aiohttp application that
    mounts aioserve apps) until `close()`.

    Built by `start_server`; open sessions of it with `open_session`.
    """

    def __init__(self, apps: Apps | web.Application = None, config: Config | None = None,
                 **options: Any) -> None:
        if isinstance(apps, web.Application):
            if config is not None or options:
                raise TypeError("give config and options to create_app, not with an app built")
            self.app = apps
        else:
            if config is None:
                # A test wants to read what its callbacks raised: errors are not private
                # here, unless the test asks (show_errors=False).
                options.setdefault("show_errors", True)
            self.app = create_app(apps, config, **options)
        self._runner: web.AppRunner | None = None
        self._sessions: list[AppSession] = []  # opened here; closed with the server
        self.port = 0

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, no trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> AppServer:
        # handle_signals=False: a test server must never take the process's signals.
        runner = web.AppRunner(self.app, handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        self._runner = runner
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
        except BaseException:
            await self.close()
            raise
        self.port = next(a[1] for a in runner.addresses if isinstance(a, tuple))
        return self

    async def close(self) -> None:
        """Close the sessions opened here, then drain (other clients get 1001,
        sessions end with their hooks) and stop."""
        sessions, self._sessions = self._sessions, []
        for session in sessions:
            await session.client.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def states(self) -> list[ServerState]:
        """The state of every aioserve app in the application tree (sub-apps too)."""
        return states_of(self.app)

    def routes(self) -> list[str]:
        """The URL path of every served app, e.g. ["/dash/sliders", "/dash/other"]."""
        return [str(app.router[f"page.{served.key}"].url_for()) for app in aioserve_apps(self.app)
                for served in app[STATE].apps.values()]

    def default_path(self) -> str:
        routes = self.routes()
        if len(routes) != 1:
            raise ValueError(f"this server serves {len(routes)} apps ({', '.join(routes)}): "
                             "say which one with path=...")
        return routes[0]

    def server_session(self, session_id: str, ws_path: str | None = None) -> ServerSession | None:
        """The live server-side session with this id: of the app whose websocket is at
        `ws_path` (two apps may each have a session of the same name), or of any app."""
        for app in aioserve_apps(self.app):
            for served in app[STATE].apps.values():
                if ws_path is not None and str(
                        app.router[f"ws.{served.key}"].url_for()) != ws_path:
                    continue
                session = served.registry.get(session_id)
                if isinstance(session, ServerSession):  # aioserve.testing drives aioserve apps
                    return session
        return None

    def open_session(self, path: str | None = None, *, session_id: str | None = None,
                     query: Mapping[str, str] | None = None,
                     headers: Mapping[str, str] | None = None, timeout: float = 10,
                     raise_callback_errors: bool = True) -> Opening[AppSession]:
        """Load the page at `path` and open its websocket, as a browser tab would.

        `session_id` names a shared session (unsigned mode); `query` becomes the
        page's query arguments (`doc.session_context.request.arguments`).
        """
        async def opening() -> AppSession:
            session = await AppSession.open(
                self, path if path is not None else self.default_path(),
                session_id=session_id, query=query, headers=headers, timeout=timeout,
                raise_callback_errors=raise_callback_errors)
            self._sessions.append(session)
            return session

        return Opening(opening())

    async def __aenter__(self) -> AppServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def start_server(apps: Apps | web.Application = None, config: Config | None = None,
                 **options: Any) -> Opening[AppServer]:
    """Start a server of `apps` (whatever `create_app` takes, or a built aiohttp
    application) on 127.0.0.1 and a free port:

        async with start_server({"/a": app_a, "/b": app_b}) as server:
            async with server.open_session("/a") as tab:
                ...
    """
    return Opening(AppServer(apps, config, **options).start())



def open_session(app: Apps | web.Application = None, *, path: str | None = None,
                 config: Config | None = None, session_id: str | None = None,
                 query: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
                 timeout: float = 10, raise_callback_errors: bool = True,
                 **options: Any) -> Opening[AppSession]:
    """Serve `app` on 127.0.0.1 and open one session of it through the real protocol.

        async with open_session("examples/sliders.py") as s:
            await s.set(s.find(type="Slider"), value=2)
            await s.settled()
            assert s.find(name="label").text == "frequency 2.0"

    `app` is whatever `create_app` takes (a path, a function `def app(doc)`, an
    Application, a list or a `{"/route": app}` dict) or a built aiohttp
    application (then `path` is the full URL path, e.g. "/dash/sliders").
    `options` are Config fields. Closing the session stops its server.
    """
    async def opening() -> AppSession:
        server = await AppServer(app, config, **options).start()
        try:
            chosen = path if path is not None else server.default_path()
        except BaseException:
            await server.close()
            raise
        return await AppSession.open(server, chosen, session_id=session_id, query=query,
                                     headers=headers, timeout=timeout,
                                     raise_callback_errors=raise_callback_errors,
                                     owns_server=True)

    return Opening(opening())
