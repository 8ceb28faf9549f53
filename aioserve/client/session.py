"""One websocket connection to one session, speaking docs/protocol.md."""

# Timeouts are arguments here, as in aiohttp's own client API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
from collections.abc import Awaitable, Callable, Coroutine, Generator
from html import unescape
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp

from aioserve.client.document import ClientDocument, ClientModel
from aioserve.document.binary import resolve, unpack

_META = re.compile(r'<meta name="(aioserve-[a-z]+)" content="([^"]*)"')


class ClientError(Exception):
    """The server answered a message with an error reply."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class SessionClosed(Exception):
    """The websocket closed; `code` is the close code (see docs/protocol.md)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"websocket closed with code {code} {reason}".strip())
        self.code = code
        self.reason = reason


class PageError(Exception):
    """The app page answered with an error status (the app raised, or access was refused)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"page answered {status}: {message}")
        self.status = status
        self.message = message


class _Closable(Protocol):
    async def close(self) -> None: ...


T = TypeVar("T", bound=_Closable)
_SocketOpener = Callable[[], Awaitable[aiohttp.ClientWebSocketResponse]]


class Opening(Generic[T]):
    """`await opening` gives the opened object; `async with opening as x` closes it too."""

    def __init__(self, coroutine: Coroutine[Any, Any, T]) -> None:
        self._coroutine = coroutine
        self._opened: T | None = None

    def __await__(self) -> Generator[Any, None, T]:
        return self._coroutine.__await__()

    async def __aenter__(self) -> T:
        self._opened = await self._coroutine
        return self._opened

    async def __aexit__(self, *exc: object) -> None:
        if self._opened is not None:
            await self._opened.close()


class ClientSession:
    """One websocket connection to one session; `reconnect()` opens another to it."""

    def __init__(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse,
                 session_id: str, *, owns_http: bool) -> None:
        self.http, self.ws, self.id = http, ws, session_id
        self.ws_path = ""  # the websocket's URL path, e.g. "/dash/sliders/ws"
        self.document = ClientDocument()
        self.seq = 0
        # The server session the document came from (the ack's `instance`): one rebuilt
        # under the same id after reaping numbers afresh, so it is pulled, never resumed.
        self.instance: str | None = None
        self._open_socket: _SocketOpener | None = None  # another websocket, same token
        self.messages: list[dict[str, Any]] = []  # everything received, for tests and tools
        self.notices: list[str] = []
        self._owns_http = owns_http
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self._patch_listeners: list[Callable[[list[dict[str, Any]]], Any]] = []
        self._buffers: dict[int, list[Any]] = {}  # binary columns, until their message comes
        self.bytes_received = 0  # every frame, text and binary, as sent on the wire
        self.binary_frames = 0
        self.last_message_at = asyncio.get_running_loop().time()
        self.closed: SessionClosed | None = None

    @property
    def pending_replies(self) -> int:
        """Messages sent that the server has not answered yet."""
        return len(self._replies)

    def on_patch(self, callback: Callable[[list[dict[str, Any]]], Any]) -> None:
        """Call `callback(events)` after each patch from the server is applied."""
        self._patch_listeners.append(callback)

    @classmethod
    def open(cls, url: str, *, session_id: str | None = None,
             http: aiohttp.ClientSession | None = None, origin: str | None = None,
             headers: dict[str, str] | None = None, timeout: float = 30,
             **ws_options: Any) -> Opening[ClientSession]:
        """Load the app page at `url`, then open and sync its websocket.

        `session = await ClientSession.open(url)`, or `async with
        ClientSession.open(url) as session:` to close it at the end too.
        """
        return Opening(cls._open(url, session_id=session_id, http=http, origin=origin,
                                 headers=headers, timeout=timeout, **ws_options))

    @classmethod
    async def _open(cls, url: str, *, session_id: str | None, http: aiohttp.ClientSession | None,
                    origin: str | None, headers: dict[str, str] | None, timeout: float,
                    **ws_options: Any) -> ClientSession:
        owns = http is None
        # unsafe=True: keep cookies (a login, XSRF) from servers addressed by IP, as 127.0.0.1.
        http = http or aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        try:
            if session_id is not None:
                url = _with_query(url, {"aioserve-session-id": session_id})
            async with http.get(url, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                text = await response.text()
                if response.status >= 400:
                    raise PageError(response.status, _page_error(text))
                url = str(response.url)  # after redirects, e.g. "/dash" -> "/dash/"
            meta = dict(_META.findall(text))
            if "aioserve-token" not in meta:
                raise PageError(response.status, "not an aioserve app page (no token in it)")
            token, ws_path = unescape(meta["aioserve-token"]), unescape(meta["aioserve-ws"])
            return await cls.connect(url, token, ws_path, http=http, origin=origin,
                                     timeout=timeout, owns_http=owns, **ws_options)
        except BaseException:
            if owns:
                await http.close()
            raise

    @classmethod
    async def connect(cls, page_url: str, token: str, ws_path: str, *,
                      http: aiohttp.ClientSession, origin: str | None = None,
                      timeout: float = 30, owns_http: bool = False, resume_since: int | None = None,
                      instance: str | None = None, document: ClientDocument | None = None,
                      **ws_options: Any) -> ClientSession:
        """Open the websocket of a token already minted (by a page, or by hand).

        `resume_since=seq` asks only for the changes after `seq`, to be applied to
        `document` (the copy kept from before). Give `instance`, the `instance` of
        the session that copy came from: if the server's session is another one (it
        was reaped and built again under the same id), the whole document is pulled
        instead. `session.reconnect()` does all this for a session already open.
        """
        session_id = token_session_id(token)
        parts = urlsplit(page_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        ws_url = urlunsplit((scheme, parts.netloc, ws_path, urlencode({"session": session_id}), ""))
        headers = {"Origin": origin} if origin else None

        async def open_socket() -> aiohttp.ClientWebSocketResponse:
            ws: aiohttp.ClientWebSocketResponse = await http.ws_connect(
                ws_url, protocols=("aioserve", token), headers=headers,
                timeout=aiohttp.ClientWSTimeout(ws_close=timeout), **ws_options)
            return ws

        self = cls(http, await open_socket(), session_id, owns_http=owns_http)
        self.ws_path = ws_path
        self._open_socket = open_socket
        if document is not None:
            self.document = document
        if resume_since is not None:
            self.seq, self.instance = resume_since, instance
        try:
            await self._sync(timeout, resume=resume_since is not None)
        except BaseException:
            await self.ws.close()
            raise
        return self

    async def reconnect(self, *, timeout: float = 30) -> None:
        """Open a new websocket to the same session (same token), as a page does after
        a dropped connection, and catch up: the missed patches when the server still
        has the session this document came from, the whole document when the session
        was rebuilt in between (same id, new `instance`)."""
        if self._open_socket is None:
            raise RuntimeError("this session was not opened with connect() or open()")
        await self._stop_reading()
        self._replies.clear()  # the old socket's reader failed them with SessionClosed
        self.ws = await self._open_socket()
        self.closed = None
        try:
            await self._sync(timeout, resume=True)
        except BaseException:
            await self.ws.close()
            raise

    async def _sync(self, timeout: float, *, resume: bool) -> None:
        """Read the ack, send `pull` or `resume`, apply the answer, start reading."""
        ack = await self._receive(timeout)
        if ack.get("type") != "ack":
            raise ClientError("bad_message", f"expected ack, got {ack}")
        server_instance = ack.get("instance")
        # A resume is only sound against the very session the document came from.
        resume = resume and (self.instance is None or self.instance == server_instance)
        self.instance = server_instance
        if resume:
            await self.ws.send_str(json.dumps({"type": "resume", "since": self.seq}))
        else:
            await self.ws.send_str(json.dumps({"type": "pull"}))
        first = await self._receive(timeout)
        while first.get("type") == "patch":  # resumed: missed patches come first
            self._handle(first)
            first = await self._receive(timeout)
        self._handle(first)
        self._reader = asyncio.create_task(self._read())

    async def _receive(self, timeout: float) -> dict[str, Any]:
        while True:
            frame = await asyncio.wait_for(self.ws.receive(), timeout)
            if frame.type is aiohttp.WSMsgType.BINARY:
                self._buffer(frame.data)
                continue
            if frame.type is not aiohttp.WSMsgType.TEXT:
                raise SessionClosed(self.ws.close_code, str(frame.extra or ""))
            message = self._parse(frame.data)
            self.messages.append(message)
            return message

    def _buffer(self, data: bytes) -> None:
        """A binary column (docs/protocol.md): kept until the message that refers to it."""
        self.bytes_received += len(data)
        self.binary_frames += 1
        ident, values = unpack(data)
        self._buffers[ident] = values

    def _parse(self, text: str) -> dict[str, Any]:
        self.bytes_received += len(text.encode())
        if not self._buffers:
            message: dict[str, Any] = json.loads(text)
            return message
        buffers, self._buffers = self._buffers, {}
        message = json.loads(text, object_hook=lambda value: resolve(value, buffers))
        return message

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        self.last_message_at = asyncio.get_running_loop().time()
        if kind == "doc":
            self.document.load(message["doc"])
            self.seq = message["seq"]
        elif kind == "patch":
            self.document.apply(message["events"])
            self.seq = message["seq"]
            for listener in self._patch_listeners:
                listener(message["events"])
        elif kind == "resumed":
            self.seq = message["seq"]
        elif kind in ("ok", "error", "rows"):
            if kind == "rows":
                self.document.windows[message["model"]] = message
            future = self._replies.pop(message.get("reply_to"), None)  # type: ignore[arg-type]
            if future is not None and not future.done():
                if kind != "error":
                    future.set_result(message)
                else:
                    future.set_exception(ClientError(message["code"], message["message"]))
        elif kind == "notice":
            self.notices.append(message["message"])

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame.type is aiohttp.WSMsgType.BINARY:
                    self._buffer(frame.data)
                elif frame.type is aiohttp.WSMsgType.TEXT:
                    message = self._parse(frame.data)
                    self.messages.append(message)
                    self._handle(message)
                    async with self._changed:
                        self._changed.notify_all()
        finally:
            self.closed = SessionClosed(self.ws.close_code)
            for future in self._replies.values():
                if not future.done():
                    future.set_exception(self.closed)
            async with self._changed:
                self._changed.notify_all()

    async def send(self, message: dict[str, Any], *, timeout: float = 30) -> dict[str, Any]:
        """Send a client message with a fresh id and wait for its reply (`ok`, or the
        `rows` of a rows request); an `error` reply raises ClientError."""
        if self.closed is not None:
            raise self.closed
        msg_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[msg_id] = future
        await self.ws.send_str(json.dumps({**message, "id": msg_id}))
        return await asyncio.wait_for(future, timeout)

    async def rows(self, table: ClientModel | str, start: int = 0, end: int = 100, *,
                   timeout: float = 30) -> dict[str, Any]:
        """A window of a DataTable's rows, as the page asks for the rows it shows:
        `{"start", "total", "index", "data"}` (also kept in `document.windows`)."""
        model_id = table if isinstance(table, str) else table.id
        return await self.send({"type": "rows", "model": model_id, "start": start, "end": end},
                               timeout=timeout)

    async def set(self, model: ClientModel | str, attr: str, value: Any) -> None:
        """Change a client-settable property, as the page does when the user edits it."""
        model_id = model if isinstance(model, str) else model.id
        props = self.document.models[model_id].props
        # The page shows the new value at once; the server does not echo it back, and a
        # callback's correction arrives as a patch after the ok.
        missing = object()
        old = props.get(attr, missing)
        props[attr] = value
        try:
            await self.send({"type": "set", "model": model_id, "attr": attr, "value": value})
        except ClientError:
            if props.get(attr) is value:
                if old is missing:
                    del props[attr]
                else:
                    props[attr] = old
            raise

    async def event(self, model: ClientModel | str, event: str,
                    data: dict[str, Any] | None = None) -> None:
        model_id = model if isinstance(model, str) else model.id
        await self.send({"type": "event", "model": model_id, "event": event, "data": data or {}})

    async def click(self, model: ClientModel | str) -> None:
        await self.event(model, "click")

    async def wait_for(self, predicate: Callable[[ClientDocument], bool], *,
                       timeout: float = 10) -> None:
        """Wait until `predicate(document)` holds, as patches arrive."""
        async def waiting() -> None:
            async with self._changed:
                while not predicate(self.document):
                    if self.closed is not None:
                        raise self.closed
                    await self._changed.wait()

        try:
            await asyncio.wait_for(waiting(), timeout)
        except TimeoutError:
            raise TimeoutError(f"the document did not reach the expected state within "
                               f"{timeout} s (at seq {self.seq})") from None

    async def wait_quiet(self, quiet: float = 0.1, *, timeout: float = 10) -> None:
        """Wait until every message sent is answered and nothing arrived for `quiet` s.

        From another process this is the best sign that the server's callbacks
        are done; `aioserve.testing` can look inside the server and does better.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.closed is not None:
                raise self.closed
            idle = loop.time() - self.last_message_at
            if not self._replies and idle >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(f"no quiet period of {quiet} s within {timeout} s")
            await asyncio.sleep(max(0.005, quiet - idle) if not self._replies else 0.005)

    async def _stop_reading(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None

    async def close(self) -> None:
        await self._stop_reading()
        if self._owns_http:
            await self.http.close()

    async def __aenter__(self) -> ClientSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def token_session_id(token: str) -> str:
    """The session id inside a token (no signature check: that is the server's job)."""
    first = token.split(".", 1)[0]
    payload = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    return str(payload["session_id"])


def _page_error(html: str) -> str:
    """The message of aioserve's error page, or the start of any other body."""
    found = re.search(r"<pre>(.*?)</pre>", html, re.S)
    text = found.group(1) if found else re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(text).split())[:500]


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
