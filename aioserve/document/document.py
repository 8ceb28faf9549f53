"""A document: the tree of models a session shows, and its scheduled work.

The document does not know about websockets. Changes are collected as
protocol events (docs/protocol.md) and handed, once per event-loop turn, to
its listener (the session), which numbers and broadcasts them.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import threading
import types
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from aioserve.document.loop_time import OwnTime, TimedSteps
from aioserve.document.model import Model
from aioserve.document.state import current_document, set_current_document, using_document

if TYPE_CHECKING:
    from aioserve.sessions.context import SessionContext

log = logging.getLogger("aioserve.document")

Callback = Callable[..., Any]
# A protocol event and the connection that caused it (None: the server did).
PendingEvent = tuple[dict[str, Any], object | None]


class DocumentListener(Protocol):
    def document_changed(self, events: list[PendingEvent]) -> None: ...
    def callback_failed(self, exc: BaseException, callback: Callback) -> None: ...
    def callback_slow(self, callback: Callback, seconds: float) -> None: ...


class Document:
    """The session's document: `curdoc()` inside app code.

    >>> from aioserve.models import Div
    >>> doc = Document()
    >>> doc.add_root(Div(text="hi"))
    >>> len(doc.roots)
    1
    """

    def __init__(self) -> None:
        self._roots: list[Model] = []
        self._title = "aioserve"
        self._models: dict[str, Model] = {}
        self._listener: DocumentListener | None = None
        self._pending: list[PendingEvent] = []
        self._flush_scheduled = False
        self._holds = 0
        self._origin: object | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread_id: int | None = None
        # Pending timeout / next-tick calls by id(callback): one callback may be pending twice.
        self._timers: dict[int, list[asyncio.TimerHandle]] = {}
        self._periodic: dict[int, _Periodic] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._destroy_hooks: list[Callback] = []
        self.session_context: SessionContext | None = None
        self.template: Any = None  # a jinja2 Template for the page, set by directory apps
        self.theme_css: list[str] = []
        self._app_modules: list[types.ModuleType] = []  # per-session, emptied on destroy
        self.destroyed = False
        # The loop watchdog (--slow-callback): None when off; see _timed.
        self._slow_s: float | None = None
        self._own_time = OwnTime()

    # ---- the app code that built it

    def add_app_module(self, module: types.ModuleType) -> None:
        """A module the app's code ran in for this document (one per session and handler)."""
        self._app_modules.append(module)

    def take_app_modules(self) -> list[types.ModuleType]:
        """The app's modules, handed over once (the caller empties them)."""
        modules, self._app_modules = self._app_modules, []
        return modules

    # ---- the tree

    @property
    def roots(self) -> list[Model]:
        return list(self._roots)

    @property
    def title(self) -> str:
        return self._title

    @title.setter
    def title(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Document.title: expected a str, got {type(value).__name__}")
        if value != self._title:
            self._title = value
            self._emit({"kind": "title", "title": value})

    def add_root(self, model: Model) -> None:
        if not isinstance(model, Model):
            raise TypeError(f"add_root expects a model, got {type(model).__name__}")
        if model in self._roots:
            return
        self._check_thread()
        self._check_adoptable([model], "add_root: ")
        new = self._attach(model)
        self._roots.append(model)
        self._emit_models(new)
        self._emit({"kind": "roots", "roots": [r.id for r in self._roots]})

    def remove_root(self, model: Model) -> None:
        self._check_thread()
        self._roots.remove(model)
        self._collect()
        self._emit({"kind": "roots", "roots": [r.id for r in self._roots]})

    def clear(self) -> None:
        for root in list(self._roots):
            self.remove_root(root)

    def get_model_by_id(self, model_id: str) -> Model | None:
        return self._models.get(model_id)

    def select(self, *, name: str | None = None, type: type[Model] | None = None) -> list[Model]:
        return [m for m in self._models.values()
                if (name is None or m.name == name) and (type is None or isinstance(m, type))]

    def select_one(self, *, name: str | None = None, type: type[Model] | None = None) -> Model:
        found = self.select(name=name, type=type)
        if len(found) != 1:
            raise LookupError(f"expected one model matching name={name!r} type={type},"
                              f" found {len(found)}")
        return found[0]

    @property
    def models(self) -> Iterable[Model]:
        return self._models.values()

    def to_json(self) -> dict[str, Any]:
        return {"title": self._title, "roots": [r.id for r in self._roots],
                "models": {m.id: m.to_json() for m in self._models.values()},
                "theme_css": self.theme_css}

    def _attach(self, model: Model) -> list[Model]:
        """Adopt `model` and everything it refers to; return the newly adopted."""
        new: list[Model] = []
        stack = [model]
        while stack:
            m = stack.pop()
            if m._document is self:
                continue
            if m._document is not None:
                raise ValueError(f"{m!r} already belongs to another document")
            m._document = self
            self._models[m.id] = m
            new.append(m)
            stack.extend(m.references())
        return new

    def _collect(self) -> None:
        """Forget models no longer reachable from a root, so they can be freed."""
        reachable: set[str] = set()
        stack = list(self._roots)
        while stack:
            m = stack.pop()
            if m.id not in reachable:
                reachable.add(m.id)
                stack.extend(m.references())
        for model_id in [i for i in self._models if i not in reachable]:
            self._models.pop(model_id)._document = None

    # ---- changes

    def _change(self, model: Model, name: str, old: Any, new: Any) -> None:
        """Set a property of one of this document's models (Model._set_property): a
        change the document cannot take is refused while nothing has changed yet."""
        self._check_thread()
        if name in model.__reference_names__:
            self._check_adoptable(model.__properties__[name].references(new),
                                  f"{type(model).__name__}.{name}: ")
        model._values[name] = new
        self._model_changed(model, name, old, new)

    def _check_adoptable(self, models: list[Model], where: str) -> None:
        stack, seen = list(models), set()
        while stack:
            m = stack.pop()
            if m._document is self or id(m) in seen:
                continue
            if m._document is not None:
                raise ValueError(f"{where}{m!r} already belongs to another document")
            seen.add(id(m))
            stack.extend(m.references())

    def _model_changed(self, model: Model, name: str, old: Any, new: Any) -> None:
        if name in model.__reference_names__:
            prop = model.__properties__[name]
            if prop.references(new) or prop.references(old):
                self._emit_models(self._attach_many(prop.references(new)))
                self._collect()
        # Only the change itself comes from the sender; what callbacks do goes to everyone.
        origin, self._origin = self._origin, None
        if self._listener is not None:  # before going live the `doc` message carries it all
            self._emit({"kind": "set", "model": model.id, "attr": name,
                        "value": model.property_json(name, new)}, origin)
        callbacks = model._change_callbacks
        if callbacks:
            for callback in callbacks.get(name, ()):
                self.run_callback(callback, name, old, new)

    def _attach_many(self, models: list[Model]) -> list[Model]:
        return [m for model in models for m in self._attach(model)]

    def _emit_models(self, models: list[Model]) -> None:
        if models and self._listener is not None:
            self._emit({"kind": "models", "models": {m.id: m.to_json() for m in models}})
            # A model already in the page may owe it more now that new ones refer to it
            # (a source sent without its data, now read by a chart).
            for ref in {r for m in models for r in m.references()} - set(models):
                hook = getattr(ref, "readers_changed", None)
                if hook is not None:
                    hook()

    def _emit(self, event: dict[str, Any], origin: object | None = None) -> None:
        if self._listener is None:
            return  # not live yet: the first `doc` message will carry the state
        self._pending.append((event, origin))
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled and not self._holds and self._loop is not None:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self, force: bool = False) -> None:
        self._flush_scheduled = False
        if (self._holds and not force) or not self._pending or self._listener is None:
            return
        events, self._pending = self._pending, []
        self._listener.document_changed(events)

    def flushed_by_caller(self) -> _FlushedByCaller:
        """The caller flushes the changes made inside itself (a client message's reply):
        schedule no flush for a loop turn later, which would find nothing to do."""
        return _FlushedByCaller(self)

    def _changes_from(self, origin: object) -> _ChangesFrom:
        """Mark the changes made inside as coming from one connection."""
        return _ChangesFrom(self, origin)

    def hold(self) -> _Hold:
        """Batch changes until `unhold()` (or the end of a `with doc.hold():` block)."""
        self._holds += 1
        return _Hold(self)

    def unhold(self) -> None:
        if self._holds:
            self._holds -= 1
            self._schedule_flush()

    # ---- going live and away

    def _go_live(self, listener: DocumentListener, loop: asyncio.AbstractEventLoop, *,
                 slow_callback_s: float | None = None) -> None:
        """From now on changes go to `listener`; callbacks holding the loop longer than
        `slow_callback_s` are reported to it."""
        self._listener = listener
        self._loop = loop
        self._slow_s = slow_callback_s
        self._thread_id = threading.get_ident()

    def _check_thread(self) -> None:
        if self._thread_id is not None and threading.get_ident() != self._thread_id:
            raise RuntimeError("a document may only be changed from its event loop's thread;"
                               " from another thread, use doc.add_next_tick_callback(cb)")

    def on_session_destroyed(self, callback: Callback) -> None:
        """Run `callback(session_context)` when the session ends."""
        self._destroy_hooks.append(callback)

    async def _destroy(self) -> None:
        """Stop all scheduled work and run the destroy hooks (once)."""
        if self.destroyed:
            return
        self.destroyed = True
        for handles in self._timers.values():
            for handle in handles:
                handle.cancel()
        self._timers.clear()
        for periodic in self._periodic.values():
            periodic.stop()
        self._periodic.clear()
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for hook in self._destroy_hooks:
            result = self.run_callback(hook, self.session_context)
            if result is not None:
                await asyncio.gather(result, return_exceptions=True)
        # Break every cycle through the document, so an ended session is freed
        # by reference counting alone: the tuned collector's full pass is rare
        # (docs/choices.md, "Memory of ended sessions").
        self._destroy_hooks.clear()
        self._listener = None
        for model in self._models.values():
            model._document = None
            model._change_callbacks = model._event_callbacks = None
        self._models.clear()
        self._roots.clear()
        self._pending.clear()

    # ---- callbacks

    def run_callback(self, callback: Callback, *args: Any) -> asyncio.Task[Any] | None:
        """Run a sync or async callback with `curdoc()` set; errors go to the listener."""
        with using_document(self):
            try:
                if self._slow_s is None:
                    result = callback(*args)
                else:
                    result = self._timed(callback, callback, *args)
            except Exception as exc:
                self._callback_failed(exc, callback)
                return None
            if result is None or not inspect.isawaitable(result):
                return None
            if self._slow_s is not None and inspect.iscoroutine(result):
                result = TimedSteps(result, functools.partial(self._timed, callback))
            task = asyncio.ensure_future(self._await_callback(result, callback))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _await_callback(self, result: Awaitable[Any], callback: Callback) -> None:
        try:
            await result
        except Exception as exc:
            self._callback_failed(exc, callback)

    def _timed(self, callback: Callback, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)`, reporting `callback` when the call held the loop longer than the
        watchdog's threshold. Callbacks it ran inside (an on_change fired by a property
        it set) are timed on their own and their time is not counted twice."""
        return self._own_time.run(self._check_slow, callback, fn, *args)

    def _check_slow(self, callback: Callback, own_s: float) -> None:
        if self._slow_s is not None and own_s > self._slow_s and self._listener is not None:
            self._listener.callback_slow(callback, own_s)

    def _callback_failed(self, exc: BaseException, callback: Callback) -> None:
        if self._listener is not None:
            self._listener.callback_failed(exc, callback)
        else:
            log.error("error in callback %r", callback, exc_info=exc)

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._thread_id = threading.get_ident()
        return self._loop

    def add_next_tick_callback(self, callback: Callback) -> Callback:
        """Run `callback()` soon on the document's loop; safe from any thread."""
        if self._loop is not None and threading.get_ident() != self._thread_id:
            self._loop.call_soon_threadsafe(self._schedule, 0, callback)
        else:
            self._schedule(0, callback)
        return callback

    def add_timeout_callback(self, callback: Callback, timeout_milliseconds: float) -> Callback:
        """Run `callback()` once, after `timeout_milliseconds`."""
        self._check_thread()
        self._schedule(timeout_milliseconds / 1000, callback)
        return callback

    def remove_next_tick_callback(self, callback: Callback) -> None:
        self.remove_timeout_callback(callback)

    def remove_timeout_callback(self, callback: Callback) -> None:
        """Cancel the earliest pending call of `callback`."""
        handles = self._timers.get(id(callback))
        if not handles:
            raise ValueError(f"{callback!r} is not a pending callback of this document")
        handles.pop(0).cancel()
        if not handles:
            del self._timers[id(callback)]

    def _schedule(self, delay_s: float, callback: Callback) -> None:
        if self.destroyed:
            return
        key = id(callback)

        def fire() -> None:
            pending = self._timers.get(key, [])
            if handle in pending:
                pending.remove(handle)
                if not pending:
                    del self._timers[key]
            if not self.destroyed:
                self.run_callback(callback)

        handle = self._require_loop().call_later(delay_s, fire, context=_bare_context())
        self._timers.setdefault(key, []).append(handle)

    def add_periodic_callback(self, callback: Callback, period_milliseconds: float) -> Callback:
        """Run `callback()` every `period_milliseconds` until removed or the session ends."""
        if period_milliseconds <= 0:
            raise ValueError("add_periodic_callback: the period must be > 0 ms")
        self._check_thread()
        if id(callback) in self._periodic:
            # Replacing it would leave the first one running, out of reach of remove and
            # of the session's end.
            raise ValueError(f"{callback!r} is already a periodic callback of this document;"
                             " remove it first")
        periodic = _Periodic(self, callback, period_milliseconds / 1000)
        self._periodic[id(callback)] = periodic
        periodic.start(self._require_loop())
        return callback

    def remove_periodic_callback(self, callback: Callback) -> None:
        periodic = self._periodic.pop(id(callback), None)
        if periodic is None:
            raise ValueError(f"{callback!r} is not a periodic callback of this document")
        periodic.stop()

    # ---- the live API: what a session, an application or a test harness asks of
    # the document (the only way code outside aioserve/document/ reaches it)

    def go_live(self, listener: DocumentListener, loop: asyncio.AbstractEventLoop, *,
                slow_callback_s: float | None = None) -> None:
        """From now on changes go to `listener` (the session), batched per loop turn,
        and may only be made from `loop`'s thread; callbacks holding the loop longer
        than `slow_callback_s` (the --slow-callback watchdog) are reported to it."""
        self._go_live(listener, loop, slow_callback_s=slow_callback_s)

    def flush(self, force: bool = False) -> None:
        """Hand the pending changes to the listener now (`force`: even under a hold)."""
        self._flush(force)

    def changes_from(self, origin: object) -> AbstractContextManager[None]:
        """`with doc.changes_from(connection):` marks the changes made inside as
        that connection's, so they are not echoed back to it."""
        return self._changes_from(origin)

    async def destroy(self) -> None:
        """Stop all scheduled work, run the `on_session_destroyed` hooks, let go of
        every model (once)."""
        await self._destroy()

    def unsent_changes(self) -> bool:
        """Whether changes wait to be handed to the listener."""
        return bool(self._pending or self._flush_scheduled or self._holds)

    @property
    def held(self) -> bool:
        """Whether `doc.hold()` is active."""
        return self._holds > 0

    def running_callbacks(self) -> int:
        """Coroutine callbacks started and not finished."""
        return sum(1 for t in self._tasks if not t.done())

    def callbacks_due(self, until: float) -> int:
        """Next-tick and timeout callbacks due by the loop time `until`."""
        return sum(1 for handles in self._timers.values() for h in handles
                   if not h.cancelled() and h.when() <= until)


def _bare_context() -> contextvars.Context:
    """The context a document's timers run in: `run_callback` sets `curdoc()` itself.

    A cancelled asyncio timer keeps its context until its time comes; one
    copied from app code would keep the ended session's document in memory
    that long (an hour, for an hour's timeout).
    """
    return contextvars.Context()


# Context managers as small classes, not @contextmanager generators: every client
# message enters them, and a generator costs about a microsecond more each time.
class _FlushedByCaller:
    __slots__ = ("_doc", "_scheduled")

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def __enter__(self) -> None:
        doc = self._doc
        self._scheduled, doc._flush_scheduled = doc._flush_scheduled, True

    def __exit__(self, *exc: object) -> None:
        doc = self._doc
        doc._flush_scheduled = self._scheduled
        if doc._pending:  # not flushed after all (the caller failed): the usual way
            doc._schedule_flush()


class _ChangesFrom:
    __slots__ = ("_doc", "_origin", "_previous")

    def __init__(self, doc: Document, origin: object) -> None:
        self._doc, self._origin = doc, origin

    def __enter__(self) -> None:
        doc = self._doc
        self._previous, doc._origin = doc._origin, self._origin

    def __exit__(self, *exc: object) -> None:
        self._doc._origin = self._previous


class _Hold:
    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def __enter__(self) -> Document:
        return self._doc

    def __exit__(self, *exc: object) -> None:
        self._doc.unhold()


class _Periodic:
    """A callback every `period_s`; a slow coroutine never runs twice at once."""

    def __init__(self, doc: Document, callback: Callback, period_s: float) -> None:
        self.doc, self.callback, self.period_s = doc, callback, period_s
        self.handle: asyncio.TimerHandle | None = None
        self.running: asyncio.Task[Any] | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.next_at = loop.time() + self.period_s
        self.handle = loop.call_at(self.next_at, self._tick, context=_bare_context())

    def _tick(self) -> None:
        # Schedule from the planned time, not from now, so the period does not drift.
        self.next_at = max(self.next_at + self.period_s, self.loop.time())
        self.handle = self.loop.call_at(self.next_at, self._tick, context=_bare_context())
        if self.running is None or self.running.done():
            self.running = self.doc.run_callback(self.callback)

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


def curdoc() -> Document:
    """The document of the session whose code is running.

    Outside a session (e.g. `python app.py`) a standalone document is made
    once per context, as Bokeh does, so a script can still be imported.
    """
    doc = current_document()
    if doc is None:
        doc = Document()
        set_current_document(doc)
    return doc
