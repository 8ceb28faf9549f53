"""One headless browser tab: a session driven through the real protocol."""

# Timeouts are arguments here, as in aiohttp's own client API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aioserve.client import ClientDocument, ClientModel, ClientSession
from aioserve.document.document import Document
from aioserve.document.model import Model
from aioserve.sessions.session import ServerSession
from aioserve.testing.page_text import page_text
from aioserve.testing.settle import wait_settled

if TYPE_CHECKING:
    # For annotations only: server.py imports this module, never the reverse at run time.
    from aioserve.testing.server import AppServer

ModelRef = ClientModel | str
_UNSET: Any = object()


class CallbackError(AssertionError):
    """An app callback raised while the test drove the session (the log has the traceback)."""


class AppSession:
    """A session of an app, seen and driven as its page would.

    `find` reads the page's copy of the document; `set`, `click` and `upload`
    send what the page sends; `settled()` waits for the app to finish reacting;
    `text()` is what the page shows. `server_document` is the real document on
    the server, for assertions the page cannot see.
    """

    def __init__(self, server: AppServer, client: ClientSession, *, owns_server: bool,
                 raise_callback_errors: bool) -> None:
        self.server = server
        self.client = client
        self._owns_server = owns_server
        self.raise_callback_errors = raise_callback_errors
        self._errors_reported = 0

    @classmethod
    async def open(cls, server: AppServer, path: str, *, session_id: str | None = None,
                   query: Mapping[str, str] | None = None,
                   headers: Mapping[str, str] | None = None, timeout: float = 10,
                   raise_callback_errors: bool = True, owns_server: bool = False) -> AppSession:
        url = server.url + "/" + path.lstrip("/") + (f"?{urlencode(dict(query))}" if query else "")
        try:
            client = await ClientSession.open(url, session_id=session_id, timeout=timeout,
                                              headers=dict(headers) if headers else None)
        except BaseException:
            if owns_server:
                await server.close()
            raise
        return cls(server, client, owns_server=owns_server,
                   raise_callback_errors=raise_callback_errors)

    # ---- what the page has

    @property
    def id(self) -> str:
        return self.client.id

    @property
    def document(self) -> ClientDocument:
        """The page's copy of the document, kept up to date by patches."""
        return self.client.document

    @property
    def title(self) -> str:
        return self.client.document.title

    def find(self, *, type: str | type[Model] | None = None, name: str | None = None,
             label: str | None = None) -> ClientModel:
        """The one model on the page with this type, `name`, or label/title."""
        return self.client.document.find(type=type, name=name, label=label)

    def find_all(self, *, type: str | type[Model] | None = None, name: str | None = None,
                 label: str | None = None) -> list[ClientModel]:
        return self.client.document.find_all(type=type, name=name, label=label)

    def text(self, model: ModelRef | None = None) -> str:
        """The text the page shows (of one model, or all of it), a line per block."""
        return page_text(self.client.document, self._model(model) if model else None)

    @property
    def errors(self) -> list[str]:
        """Error notices the server sent to the page (a callback raised)."""
        return list(self.client.notices)

    # ---- what the user does

    async def set(self, model: ModelRef, attr: str | None = None, value: Any = _UNSET, /,
                  **props: Any) -> None:
        """Change properties as the user would: `set(slider, "value", 2)` or
        `set(slider, value=2)`. Only client-settable properties can change;
        the server refuses the rest with `ClientError("read_only")`."""
        changes = dict(props)
        if attr is not None:
            if value is _UNSET:
                raise TypeError(f"set(model, {attr!r}, value): the value is missing")
            changes[attr] = value
        if not changes:
            raise TypeError("set(model, attr, value) or set(model, attr=value)")
        for name, new in changes.items():
            await self.client.set(self._model(model), name, new)

    async def click(self, model: ModelRef) -> None:
        await self.client.click(self._model(model))

    async def event(self, model: ModelRef, name: str, data: dict[str, Any] | None = None) -> None:
        """Any model event the page can send, e.g. `event(tabs, ...)`."""
        await self.client.event(self._model(model), name, data)

    async def upload(self, model: ModelRef, filename: str, content: bytes,
                     mime_type: str = "application/octet-stream") -> None:
        """Upload a file through a FileInput, as the page does."""
        data = {"filename": filename, "mime_type": mime_type,
                "content": base64.b64encode(content).decode("ascii")}
        await self.client.event(self._model(model), "upload", data)

    # ---- waiting

    async def settled(self, *, timeout: float = 5.0, quiet: float = 0.02) -> None:
        """Wait until the app's callbacks, next-tick work and patches are all done.

        Raises `CallbackError` if a callback raised since the last check (turn
        that off with `raise_callback_errors=False` when opening the session),
        and `SettleTimeout` if work is still going after `timeout` seconds.
        """
        await wait_settled(self.server_session, self.client, timeout=timeout, quiet=quiet)
        self.check_errors()

    async def wait_for(self, predicate: Callable[[ClientDocument], bool], *,
                       timeout: float = 5.0) -> None:
        """Wait until `predicate(document)` holds (for periodic updates)."""
        await self.client.wait_for(predicate, timeout=timeout)

    def check_errors(self) -> None:
        notices = self.client.notices
        new = notices[self._errors_reported:]
        self._errors_reported = len(notices)
        if new and self.raise_callback_errors:
            raise CallbackError("the app reported: " + " | ".join(new))

    # ---- the server side

    @property
    def server_session(self) -> ServerSession:
        """The live `ServerSession` on the server (same process, same loop)."""
        session = self.server.server_session(self.client.id, self.client.ws_path)
        if session is None:
            raise LookupError(f"session {self.client.id} is not live on the server")
        return session

    @property
    def server_document(self) -> Document:
        """The server's real document: `s.server_document.select_one(name="x")`."""
        return self.server_session.document

    def server_model(self, model: ModelRef) -> Model:
        """The server-side model behind a model of the page."""
        found = self.server_document.get_model_by_id(self._model(model).id)
        if found is None:
            raise LookupError(f"{self._model(model).describe()} is not in the server's document")
        return found

    # ---- the end

    async def close(self) -> None:
        """Close the websocket (and the server, if this session started it)."""
        try:
            await self.client.close()
        finally:
            if self._owns_server:
                await self.server.close()

    async def __aenter__(self) -> AppSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AppSession {self.client.id[:8]}… of {self.server.url}>"

    def _model(self, model: ModelRef) -> ClientModel:
        if isinstance(model, ClientModel):
            return model
        found = self.client.document.models.get(model)
        if found is None:
            raise LookupError(f"no model {model!r} on the page")
        return found
