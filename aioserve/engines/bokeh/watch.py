"""A Bokeh session's callbacks under the core's loop watchdog (`--slow-callback`)
and its callback-error rate limit (sessions/incidents.py), as aioserve's own are.

Bokeh runs app callbacks in three places, each wrapped here without touching
Bokeh's modules: session callbacks (periodic, timeout, next tick) through
`ServerSession._wrap_document_callback`, `on_change` through the document's
`trigger_on_change`, and `on_event` / `on_click` (a model's, or the document's)
through `notify_event` and `event_callbacks_for_event_name`, each callback on
its own. A failing callback is logged (rate-limited) and
neither fails the client's message that fired it nor stops the callbacks after
it; a slow one logs a WARNING naming app, session and callback.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from bokeh.core.types import ID
from bokeh.document import Document as BokehDocument
from bokeh.document.callbacks import DocumentCallbackManager
from bokeh.document.events import DocumentChangedEvent
from bokeh.events import ModelEvent
from bokeh.model import Model as BokehModel
from bokeh.server.session import ServerSession as BokehServerSession
from tornado.ioloop import IOLoop

from aioserve.document.loop_time import OwnTime, TimedSteps
from aioserve.sessions.incidents import AppIncidents

_WATCHED = "_aioserve_watched"


class CallbackWatch:
    """Times and guards one session's callbacks; reports to its app's incidents."""

    def __init__(self, incidents: AppIncidents, session_id: str) -> None:
        self.incidents = incidents
        self.session_id = session_id
        self.errors = 0
        self._own_time = OwnTime()

    def call(self, callbacks: Sequence[Any], fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` running `callbacks`: an error is reported (None returned), a
        coroutine comes back driven step by step under the watchdog."""
        try:
            result = self._timed(callbacks, fn, *args)
        except Exception as exc:
            self.failed(exc, callbacks)
            return None
        if inspect.iscoroutine(result):
            return self._awaited(result, callbacks)
        return result

    async def _awaited(self, coro: Any, callbacks: Sequence[Any]) -> Any:
        try:
            if self.incidents.slow_callback_s is None:
                return await coro
            return await TimedSteps(coro, functools.partial(self._timed, callbacks))
        except Exception as exc:
            self.failed(exc, callbacks)
            return None

    def _timed(self, callbacks: Sequence[Any], fn: Callable[..., Any], *args: Any) -> Any:
        # Callbacks run inside this one (an on_change fired by a property it set) are
        # timed on their own; their time is not counted twice.
        return self._own_time.run(self._check_slow, callbacks, fn, *args)

    def _check_slow(self, callbacks: Sequence[Any], own_s: float) -> None:
        threshold = self.incidents.slow_callback_s
        if threshold is not None and own_s > threshold and callbacks:
            self.incidents.callback_slow(self.session_id, callbacks[0], own_s)

    def failed(self, exc: BaseException, callbacks: Sequence[Any]) -> None:
        self.errors += 1
        self.incidents.callback_failed(self.session_id, exc,
                                       callbacks[0] if callbacks else "callback")

    def wrap(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """A session callback, watched (Bokeh's `nolock` mark kept)."""
        @functools.wraps(callback)
        def watched(*args: Any, **kwargs: Any) -> Any:
            return self.call([callback], functools.partial(callback, **kwargs), *args)

        return watched

    def invoker(self, invoke: Callable[[], None], table: Any, key: str) -> Callable[[], None]:
        """Bokeh's closure that runs a model's `on_change` (or `on_event`) callbacks
        from `table[key]`, each of them watched on its own while it runs."""
        if getattr(invoke, _WATCHED, False):
            return invoke

        def watched() -> None:
            original = table.get(key) if isinstance(table, dict) else None
            if not original:
                invoke()
                return
            guarded = [c if isinstance(c, _Guarded) else _Guarded(c, self) for c in original]
            table[key] = guarded
            try:
                invoke()
            finally:
                # A callback may have added or removed callbacks meanwhile: keep that.
                current = table.get(key)
                if current is guarded:
                    table[key] = [c.__wrapped__ if isinstance(c, _Guarded) else c
                                  for c in current]

        setattr(watched, _WATCHED, True)
        if getattr(invoke, "nolock", False):
            watched.nolock = True  # type: ignore[attr-defined]
        return watched


class _Guarded:
    """One model callback while Bokeh runs it: equal to the callback itself, so an
    app's `remove_on_change` from inside a callback still finds it; Bokeh reads its
    signature through `__wrapped__` (an `on_event` callback may take no argument)."""

    __slots__ = ("__wrapped__", "_watch")

    def __init__(self, callback: Callable[..., Any], watch: CallbackWatch) -> None:
        self.__wrapped__ = callback
        self._watch = watch

    def __call__(self, *args: Any) -> Any:
        return self._watch.call([self.__wrapped__], self.__wrapped__, *args)

    def __eq__(self, other: object) -> bool:
        return other is self or bool(other == self.__wrapped__)

    def __hash__(self) -> int:
        return hash(self.__wrapped__)


class WatchedCallbacks(DocumentCallbackManager):
    """The document's callback manager, with models' callbacks run under the watch."""

    def __init__(self, document: BokehDocument, watch: CallbackWatch) -> None:
        super().__init__(document)
        self.watch = watch

    def trigger_on_change(self, event: DocumentChangedEvent) -> None:
        invoke = getattr(event, "callback_invoker", None)
        if invoke is not None:
            model, attr = getattr(event, "model", None), getattr(event, "attr", "")
            event.callback_invoker = self.watch.invoker(
                invoke, getattr(model, "_callbacks", None), attr)
        super().trigger_on_change(event)

    def event_callbacks_for_event_name(self, event_name: str) -> tuple[Any, ...]:
        """`doc.on_event` callbacks, which Bokeh calls directly, watched too."""
        return tuple(_Guarded(cb, self.watch)
                     for cb in super().event_callbacks_for_event_name(event_name))

    def notify_event(self, model: BokehModel, event: ModelEvent,
                     callback_invoker: Callable[[], None]) -> None:
        super().notify_event(model, event, self.watch.invoker(
            callback_invoker, model._event_callbacks, event.event_name))


class WatchedServerSession(BokehServerSession):
    """Bokeh's ServerSession with its session callbacks (periodic, timeout, next
    tick) under the watch."""

    def __init__(self, session_id: ID, document: BokehDocument, io_loop: IOLoop,
                 watch: CallbackWatch) -> None:
        self.watch = watch  # before Bokeh's __init__ wraps the callbacks already added
        super().__init__(session_id, document, io_loop=io_loop)

    def _wrap_document_callback(self, callback: Any) -> Any:
        return super()._wrap_document_callback(self.watch.wrap(callback))


def watched_document(watch: CallbackWatch) -> BokehDocument:
    doc = BokehDocument()
    doc.callbacks = WatchedCallbacks(doc, watch)
    return doc
