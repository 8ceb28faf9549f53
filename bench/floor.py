"""The floor: what bare aiohttp does on this machine, with no framework on top.

    python -m bench.floor PORT [KEEP_ALIVE_MS]

`/<app>` returns a page the size of aioserve's with a fresh token, `/<app>/ws`
answers aioserve's opening (ack, pull, a canned document the size of the
dashboard's), `/echo/ws` echoes each text frame, `/_aioserve/health` is the
probe target. Nothing is kept per session beyond the open socket.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import sys

from aiohttp import WSMsgType, web

XS = [i / 20 for i in range(200)]
DOC = json.dumps({"type": "doc", "seq": 1, "doc": {
    "title": "Dashboard", "roots": ["m1"], "theme_css": [],
    "models": {"m1": {"type": "ColumnDataSource",
                      "props": {"data": {"x": XS, "y": [math.sin(x) for x in XS]}}},
               **{f"m{i}": {"type": "Div", "props": {"text": "x" * 40, "visible": True,
                                                     "css_classes": [], "name": None}}
                  for i in range(2, 14)}}}}, separators=(",", ":"))
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><meta name="aioserve-token" content="{token}">
<meta name="aioserve-ws" content="/{app}/ws"></head><body>{pad}</body></html>"""


def token() -> str:
    payload = json.dumps({"session_id": secrets.token_urlsafe(33), "session_expiry": 0})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


async def page(request: web.Request) -> web.Response:
    app = request.match_info["app"]
    html = PAGE.format(title=app, token=token(), app=app, pad="." * 300)
    return web.Response(text=html, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


async def session_ws(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(protocols=("aioserve",), heartbeat=request.app[HEARTBEAT])
    await ws.prepare(request)
    await ws.send_str('{"type":"ack","protocol":1,"session":"x","seq":1}')
    async for frame in ws:
        if frame.type is not WSMsgType.TEXT:
            break
        if frame.data == '{"type":"pull"}':
            await ws.send_str(DOC)
    return ws


async def echo_ws(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=request.app[HEARTBEAT])
    await ws.prepare(request)
    async for frame in ws:
        if frame.type is not WSMsgType.TEXT:
            break
        await ws.send_str(frame.data)
    return ws


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


HEARTBEAT = web.AppKey("heartbeat", object)


def main() -> None:
    port = int(sys.argv[1])
    keep_alive_ms = int(sys.argv[2]) if len(sys.argv) > 2 else 37000
    app = web.Application()
    app[HEARTBEAT] = keep_alive_ms / 1000 or None
    app.router.add_get("/_aioserve/health", health)
    app.router.add_get("/echo/ws", echo_ws)
    app.router.add_get("/{app}", page)
    app.router.add_get("/{app}/ws", session_ws)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
