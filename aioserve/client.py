"""Connect to a session of a running aioserve server from Python (as `bokeh.client`).

    async with await ClientSession.open("http://localhost:5006/sliders") as session:
        slider = session.document.find(type="Slider")
        await session.set(slider, "value", 2.5)
        await session.wait_for(lambda doc: "2.5" in doc.find(name="label").props["text"])

Several processes may share one named session in unsigned mode:
`ClientSession.open(url, session_id="shared")`.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp

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


@dataclass(eq=False)
class ClientModel:
    id: str
    type: str
    props: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.props[name]


@dataclass
class ClientDocument:
    """The client's copy of a session's document, kept up to date by patches."""

    title: str = ""
    roots: list[str] = field(default_factory=list)
    models: dict[str, ClientModel] = field(default_factory=dict)

    def load(self, doc: dict[str, Any]) -> None:
        self.title = doc["title"]
        self.roots = list(doc["roots"])
        self.models = {}
        self._add(doc["models"])

    def _add(self, models: dict[str, Any]) -> None:
        for model_id, spec in models.items():
            self.models[model_id] = ClientModel(model_id, spec["type"], dict(spec["props"]))

    def apply(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            kind = event["kind"]
            if kind == "set":
                self.models[event["model"]].props[event["attr"]] = event["value"]
            elif kind == "models":
                self._add(event["models"])
            elif kind == "roots":
                self.roots = list(event["roots"])
            elif kind == "title":
                self.title = event["title"]
            elif kind == "stream":
                data = self.models[event["model"]].props["data"]
                for name, values in event["data"].items():
                    column = data.setdefault(name, [])
                    column.extend(values)
                    if event.get("rollover") is not None:
                        del column[: max(0, len(column) - event["rollover"])]
            elif kind == "patch":
                data = self.models[event["model"]].props["data"]
                for name, cells in event["patches"].items():
                    for index, value in cells:
                        data[name][index] = value

    def find_all(self, *, type: str | None = None, name: str | None = None,
                 label: str | None = None) -> list[ClientModel]:
        """Models by type name, `name`, or visible label/title."""
        return [m for m in self.models.values()
                if (type is None or m.type == type) and (name is None or m.props.get("name") == name)
                and (label is None or label in (m.props.get("label"), m.props.get("title")))]

    def find(self, **criteria: str) -> ClientModel:
        found = self.find_all(**criteria)
        if len(found) != 1:
            raise LookupError(f"expected one model matching {criteria}, found {len(found)}")
        return found[0]


class ClientSession:
    """One websocket connection to one session."""

    def __init__(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse,
                 session_id: str, *, owns_http: bool) -> None:
        self.http, self.ws, self.id = http, ws, session_id
        self.document = ClientDocument()
        self.seq = 0
        self.messages: list[dict[str, Any]] = []  # everything received, for tests and tools
        self.notices: list[str] = []
        self._owns_http = owns_http
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[None]] = {}
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self.closed: SessionClosed | None = None

    @classmethod
    async def open(cls, url: str, *, session_id: str | None = None,
                   http: aiohttp.ClientSession | None = None, origin: str | None = None,
                   headers: dict[str, str] | None = None, timeout: float = 30,
                   **ws_options: Any) -> ClientSession:
        """Load the app page at `url`, then open and sync its websocket."""
        owns = http is None
        http = http or aiohttp.ClientSession()
        try:
            if session_id is not None:
                url = _with_query(url, {"aioserve-session-id": session_id})
            async with http.get(url, headers=headers) as response:
                response.raise_for_status()
                meta = dict(_META.findall(await response.text()))
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
                      **ws_options: Any) -> ClientSession:
        """Open the websocket of a token already minted (by a page, or by hand)."""
        session_id = token_session_id(token)
        parts = urlsplit(page_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        ws_url = urlunsplit((scheme, parts.netloc, ws_path, urlencode({"session": session_id}), ""))
        headers = {"Origin": origin} if origin else None
        ws = await http.ws_connect(ws_url, protocols=("aioserve", token), headers=headers,
                                   timeout=aiohttp.ClientWSTimeout(ws_close=timeout),
                                   **ws_options)
        self = cls(http, ws, session_id, owns_http=owns_http)
        ack = await self._receive(timeout)
        if ack.get("type") != "ack":
            raise ClientError("bad_message", f"expected ack, got {ack}")
        if resume_since is None:
            await ws.send_str(json.dumps({"type": "pull"}))
        else:
            self.seq = resume_since
            await ws.send_str(json.dumps({"type": "resume", "since": resume_since}))
        first = await self._receive(timeout)
        while first.get("type") == "patch":  # resumed: missed patches come first
            self._handle(first)
            first = await self._receive(timeout)
        self._handle(first)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _receive(self, timeout: float) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.ws.receive(), timeout)
        if frame.type is not aiohttp.WSMsgType.TEXT:
            raise SessionClosed(self.ws.close_code, str(frame.extra or ""))
        message: dict[str, Any] = json.loads(frame.data)
        self.messages.append(message)
        return message

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "doc":
            self.document.load(message["doc"])
            self.seq = message["seq"]
        elif kind == "patch":
            self.document.apply(message["events"])
            self.seq = message["seq"]
        elif kind == "resumed":
            self.seq = message["seq"]
        elif kind in ("ok", "error"):
            future = self._replies.pop(message.get("reply_to"), None)  # type: ignore[arg-type]
            if future is not None and not future.done():
                if kind == "ok":
                    future.set_result(None)
                else:
                    future.set_exception(ClientError(message["code"], message["message"]))
        elif kind == "notice":
            self.notices.append(message["message"])

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame.type is aiohttp.WSMsgType.TEXT:
                    message = json.loads(frame.data)
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

    async def send(self, message: dict[str, Any], *, timeout: float = 30) -> None:
        """Send a client message with a fresh id and wait for its ok (or raise)."""
        if self.closed is not None:
            raise self.closed
        msg_id = next(self._ids)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._replies[msg_id] = future
        await self.ws.send_str(json.dumps({**message, "id": msg_id}))
        await asyncio.wait_for(future, timeout)

    async def set(self, model: ClientModel | str, attr: str, value: Any) -> None:
        model_id = model if isinstance(model, str) else model.id
        await self.send({"type": "set", "model": model_id, "attr": attr, "value": value})
        self.document.models[model_id].props[attr] = value

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

        await asyncio.wait_for(waiting(), timeout)

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
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


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


__all__ = ["ClientDocument", "ClientError", "ClientModel", "ClientSession", "SessionClosed",
           "token_session_id"]
