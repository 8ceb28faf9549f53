"""A live session: one document, its connections, and numbered patches."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable
from typing import Any

from aioserve.document.binary import Outgoing
from aioserve.document.document import Callback, Document, PendingEvent
from aioserve.document.model import Event, event_caller
from aioserve.errors import ProtocolError
from aioserve.sessions.connection import Connection, Subscribers
from aioserve.sessions.context import SessionContext
from aioserve.sessions.incidents import AppIncidents
from aioserve.sessions.protocol import ack_message, doc_message, dumps, patch_message

log = logging.getLogger("aioserve.server")

REPLAY_MESSAGES = 256
REPLAY_BYTES = 4 * 1024 * 1024


class ServerSession(Subscribers):
    """Owns a document once built; numbers and broadcasts its changes.

    Sequence numbers start at 1 for the document as first built (see
    docs/protocol.md). The last patches are kept so a reconnecting client
    can resume instead of pulling the whole document again.
    """

    def __init__(self, context: SessionContext, document: Document, *,
                 on_destroy: Callable[[ServerSession], Any] | None = None,
                 incidents: AppIncidents | None = None) -> None:
        self.id = context.id
        self.context = context
        self.document = document
        super().__init__()
        self.seq = 1
        # Tells a rebuilt session (same id, after reaping) from the one a page resumes.
        self.instance = secrets.token_urlsafe(8)
        self._replay: deque[tuple[int, Outgoing]] = deque()
        self._replay_bytes = 0
        self.created_at = self.last_detached_at
        self.destroyed = False
        self.callback_errors = 0
        self._on_destroy = on_destroy
        # Errors and slow callbacks are logged (and made private) app-wide.
        self.incidents = incidents if incidents is not None else AppIncidents(context.app_path)
        document.go_live(self, asyncio.get_running_loop(),
                         slow_callback_s=self.incidents.slow_callback_s)

    @property
    def title(self) -> str:
        return self.document.title

    # ---- outgoing

    def doc_message(self) -> Outgoing:
        self.document.flush(force=True)  # the snapshot must include every numbered change
        return doc_message(self.seq, self.document.to_json())

    def ack_message(self, max_message_bytes: int | None = None) -> str:
        return ack_message(self.id, self.seq, self.instance, max_message_bytes)

    def replay_since(self, since: int) -> list[Outgoing] | None:
        """The patches after `since`, or None when the buffer no longer reaches back."""
        if since == self.seq:
            return []
        if since > self.seq or not self._replay or self._replay[0][0] > since + 1:
            return None
        return [patch for seq, patch in self._replay if seq > since]

    def document_changed(self, events: list[PendingEvent]) -> None:
        """Number one batch of changes and send it to every connection."""
        self.seq += 1
        seq = self.seq
        # One encoding of the whole patch, for the replay buffer and every connection
        # but the senders of its changes; a sender (usually the only one) gets one
        # more without its own events. A call per event and joining them cost more.
        whole = patch_message(seq, [event for event, _ in events])
        self._remember(seq, whole)
        for connection in self.connections:
            if not connection.synced:
                continue  # it will get this change in its `doc` or resume reply
            for _, origin in events:
                if origin is connection:
                    # The sender already shows the value it set; don't echo it back.
                    connection.send(patch_message(seq, [
                        event for event, origin in events if origin is not connection]))
                    break
            else:
                connection.send(whole)

    def _remember(self, seq: int, message: Outgoing) -> None:
        self._replay.append((seq, message))
        self._replay_bytes += message.size
        while self._replay and (len(self._replay) > REPLAY_MESSAGES
                                or self._replay_bytes > REPLAY_BYTES):
            self._replay_bytes -= self._replay.popleft()[1].size

    def broadcast(self, message: dict[str, Any]) -> None:
        text = dumps(message)
        for connection in self.connections:
            if connection.synced:
                connection.send(text)

    def callback_failed(self, exc: BaseException, callback: Callback) -> None:
        self.callback_errors += 1
        message = self.incidents.callback_failed(self.id, exc, callback)
        self.broadcast({"type": "notice", "level": "error", "message": message})

    def callback_slow(self, callback: Callback, seconds: float) -> None:
        self.incidents.callback_slow(self.id, callback, seconds)

    # ---- incoming

    def flush(self) -> None:
        """Send the document's pending changes now, not a loop turn later (a hold
        still batches): the user who sent a message is waiting for its effect."""
        self.document.flush()

    def receive(self, connection: Connection, message: dict[str, Any]) -> dict[str, Any] | None:
        """Apply one `set` or `event` from a client, or answer a `rows` request (the
        reply, sent instead of `ok`); raise ProtocolError to refuse it."""
        kind = message.get("type")
        model = self.document.get_model_by_id(_field(message, "model", str))
        if model is None:
            raise ProtocolError("unknown_model", f"no model {message['model']!r} in this session")
        if kind == "set":
            attr = _field(message, "attr", str)
            if "value" not in message:
                raise ProtocolError("bad_message", "a set message needs a 'value'")
            prop = model.__properties__.get(attr)
            if prop is None or not prop.settable:
                raise ProtocolError("read_only", f"{type(model).__name__}.{attr} cannot be set"
                                    " from the browser")
            try:
                value = prop.check(model, message["value"])
                may_set = getattr(model, "client_may_set", None)  # a control the page shows?
                if may_set is not None:
                    may_set(attr)
                validate = getattr(model, "validate_client", None)
                if validate is not None:
                    validate(attr, value)
            except (TypeError, ValueError) as exc:
                raise ProtocolError("invalid_value", str(exc)) from None
            with self.document.changes_from(connection):
                model.set_checked(attr, value)
        elif kind == "event":
            name = _field(message, "event", str)
            data = message.get("data", {})
            if name not in model.__events__ or not isinstance(data, dict):
                raise ProtocolError("unknown_event", f"{type(model).__name__} has no event"
                                    f" {name!r}")
            hook = getattr(model, "client_event", None)
            if hook is not None:
                try:
                    data = hook(name, data)
                except (TypeError, ValueError) as exc:
                    raise ProtocolError("invalid_value", str(exc)) from None
            event = Event(model, name, data)
            for callback in model.event_callbacks(name):
                self.document.run_callback(event_caller(callback), event)
        elif kind == "rows":
            return _rows_reply(model, message)
        else:
            raise ProtocolError("bad_message", f"unknown message type {kind!r}")
        return None

    # ---- the end

    async def destroy(self) -> None:
        """Cancel the document's work, run its destroy hooks, free its modules."""
        if self.destroyed:
            return
        self.destroyed = True
        self.context.destroyed = True
        await self.document.destroy()
        self.incidents.session_ended(self.id)
        try:
            if self._on_destroy is not None:
                await self._on_destroy(self)
        finally:
            self.connections.clear()
            self._replay.clear()


def _rows_reply(model: object, message: dict[str, Any]) -> dict[str, Any]:
    """A table's window of rows (docs/protocol.md, `rows`); nothing changes."""
    fetch = getattr(model, "fetch_rows", None)
    if fetch is None:
        raise ProtocolError("bad_message", f"{type(model).__name__} has no rows to fetch")
    start, end = _field(message, "start", int), _field(message, "end", int)
    try:
        window = fetch(start, end)
    except ValueError as exc:
        raise ProtocolError("out_of_range", str(exc)) from None
    return {"type": "rows", "model": message["model"], **window}


def _field(message: dict[str, Any], name: str, kind: type) -> Any:
    value = message.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ProtocolError("bad_message", f"field {name!r} must be a {kind.__name__}")
    return value
