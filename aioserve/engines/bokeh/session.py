"""A Bokeh session as the server core sees it, built and ended without Bokeh's
Tornado server (and without its `gc.collect()` per ended session)."""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bokeh.application.application import Application as BokehApplication
from bokeh.application.application import ServerContext
from bokeh.core.has_props import HasProps, _default_resolver
from bokeh.core.types import ID
from bokeh.document import Document as BokehDocument
from bokeh.server.contexts import BokehSessionContext, _RequestProxy
from bokeh.server.session import ServerSession as BokehServerSession
from tornado.ioloop import IOLoop

from aioserve.document.loop_time import HeldTime
from aioserve.engines.bokeh.watch import CallbackWatch, WatchedServerSession, watched_document
from aioserve.server import collector
from aioserve.sessions.connection import Subscribers
from aioserve.sessions.incidents import AppIncidents

if TYPE_CHECKING:
    from aioserve.sessions.context import SessionContext

log = logging.getLogger("aioserve.server")


class AppServerContext(ServerContext):
    """`server_context` of a Bokeh app's hooks: its live sessions, as Bokeh's is."""

    def __init__(self, live: Callable[[], list[BokehServerSession]]) -> None:
        self._live = live

    @property
    def sessions(self) -> list[BokehServerSession]:
        return self._live()


class AppSessionContext(BokehSessionContext):
    """Bokeh's session context plus what aioserve gives every app: `user` (from
    the auth module, "default_user" without one) and the token payload as a dict."""

    def __init__(self, context: SessionContext, server_context: ServerContext,
                 document: BokehDocument) -> None:
        super().__init__(ID(context.id), server_context, document, logout_url=context.logout_url)
        self.user = context.user
        self._payload = context.token_payload
        headers: dict[str, str | list[str]] = dict(context.request.headers)
        cookies = context.request.cookies
        if cookies and "Cookie" not in headers:  # as Bokeh rebuilds it
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        arguments: dict[str, bytes | list[bytes]] = dict(context.request.arguments)
        # No live request: like Bokeh's, its data comes from the token alone.
        self._request = _RequestProxy(None,  # type: ignore[arg-type]
                                      arguments=arguments, cookies=dict(cookies), headers=headers)

    @property
    def token_payload(self) -> dict[str, Any]:
        return self._payload


class BokehSession(Subscribers):
    """One Bokeh `ServerSession` plus the core's bookkeeping (connections, age)."""

    def __init__(self, bokeh_session: WatchedServerSession, context: AppSessionContext,
                 on_destroy: Callable[[BokehSession], Any]) -> None:
        self.bokeh = bokeh_session
        self.context = context
        self.id: str = bokeh_session.id
        super().__init__()
        self._on_destroy = on_destroy
        self._title = ""

    @property
    def callback_errors(self) -> int:
        return self.bokeh.watch.errors

    @property
    def document(self) -> BokehDocument:
        return self.bokeh.document

    @property
    def title(self) -> str:
        return self._title if self.bokeh.destroyed else self.bokeh.document.title

    @property
    def destroyed(self) -> bool:
        return self.bokeh.destroyed

    def idle_ms(self, now: float) -> float:
        """Also 0 while a callback holds the document (as Bokeh's reaper skips a
        session whose expiration is blocked)."""
        return 0.0 if self.bokeh.expiration_blocked else super().idle_ms(now)

    async def destroy(self) -> None:
        if self.bokeh.destroyed:
            return
        self._title = self.bokeh.document.title
        await self._on_destroy(self)


async def build_session(application: BokehApplication, context: SessionContext,
                        server_context: ServerContext, incidents: AppIncidents,
                        ) -> tuple[WatchedServerSession, AppSessionContext]:
    """What Bokeh's `ApplicationContext.create_session_if_needed` does, minus its
    session table (the core's registry owns sessions): hooks, then the app. Its
    callbacks run under the loop watchdog and the error rate limit (watch.py)."""
    watch = CallbackWatch(incidents, context.id)
    doc = watched_document(watch)
    session_context = AppSessionContext(context, server_context, doc)
    doc._session_context = weakref.ref(session_context)
    try:
        await application.on_session_created(session_context)
        held = HeldTime()
        held.call(application.initialize_document, doc)
        incidents.build_held(context.id, held.longest_s)
        collector.after_build()
        failed = [h for h in application.handlers if h.failed]
        if failed:
            handler = failed[0]
            raise AppError(f"{handler.error}\n{handler.error_detail or ''}".strip())
    except BaseException:
        teardown_document(doc)
        raise
    session = WatchedServerSession(ID(context.id), doc, IOLoop.current(), watch)
    session_context._set_session(session)
    return session, session_context


class AppError(Exception):
    """The Bokeh app's code raised while building a session's document."""


async def end_session(session: BokehSession, application: BokehApplication) -> None:
    """End a session as Bokeh's reaper does, without its full `gc.collect()` per
    session (which froze `bokeh serve` for tens of seconds ending a few hundred):
    callbacks stop, hooks run, then the document and its modules let go of
    everything they hold, so the cyclic collector frees them in its own time."""
    bokeh = session.bokeh
    bokeh._destroyed = True
    bokeh._callbacks.remove_all_callbacks()
    doc = bokeh.document
    context = session.context
    # The document's own on_session_destroyed callbacks (Bokeh's
    # DocumentLifecycleHandler, which also collects garbage), before its
    # modules are cleared, since they usually live there.
    callbacks = doc.callbacks.session_destroyed_callbacks
    doc.callbacks.session_destroyed_callbacks = set()
    for callback in callbacks:
        try:
            callback(context)
        except Exception:
            log.exception("on_session_destroyed callback of session %s failed", session.id)
    try:
        await application.on_session_destroyed(context)
    except Exception:
        log.exception("on_session_destroyed hooks of session %s failed", session.id)
    finally:
        doc.callbacks._change_callbacks.pop(bokeh, None)
        teardown_document(doc)
        bokeh.watch.incidents.session_ended(session.id)


_MODEL_TABLES = ("_property_values", "_unstable_default_values", "_unstable_themed_values",
                 "_callbacks", "_event_callbacks")


def teardown_document(doc: BokehDocument) -> None:
    """`Document.destroy` without `gc.collect()` and without its `gc.get_referrers`
    scan of the whole heap per module."""
    for name in ("_roots", "_theme", "_template"):
        doc.__dict__.pop(name, None)
    doc._session_context = None
    # Bokeh's container properties hold their owner model: one reference cycle per
    # model, left to a full collection that then takes hundreds of ms for a few
    # hundred sessions. Emptying the models' own tables here frees nearly all of a
    # document by reference counting (bench/garbage.py measures it).
    # The document's config (DocumentConfig and its Notifications) is a model graph of
    # its own, outside doc.models: the same cycles, one set per session.
    config = doc.__dict__.get("_config")
    models = list(config.references()) if config is not None else []
    if hasattr(doc.models, "_models"):
        models.extend(doc.models)
    for model in models:
        for name in _MODEL_TABLES:
            table = getattr(model, name, None)
            if isinstance(table, dict):
                table.clear()
    callbacks = doc.callbacks
    if hasattr(callbacks, "_change_callbacks"):
        callbacks.destroy()
    if hasattr(doc.models, "_models"):
        doc.models.destroy()
    modules = doc.modules
    names = {module.__name__ for module in modules._modules}
    # A model class the app's code defines (class Tagged(Div): ...) is made again for
    # every session, in its module, and Bokeh's registry would keep each one for good.
    for cls in [c for c in HasProps.model_class_reverse_map.values() if c.__module__ in names]:
        _default_resolver.remove(cls)  # type: ignore[attr-defined]  # mypy misses it
    for module in modules._modules:
        sys.modules.pop(module.__name__, None)
        module.__dict__.clear()
    modules._modules = []
