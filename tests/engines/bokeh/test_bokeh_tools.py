"""Bokeh's own tools against aioserve, unchanged: `bokeh.client.pull_session` and
`push_session`, `bokeh.embed.server_session`, tokens and ids from `bokeh.util.token`.

Bokeh's client is synchronous (it runs its own Tornado loop), so each use runs
in a thread while the server runs in the test's event loop.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from bokeh.client import pull_session, push_session
from bokeh.document import Document
from bokeh.embed import server_session
from bokeh.models import Div, Slider
from bokeh.util.token import generate_jwt_token, generate_secret_key, generate_session_id

from aioserve import create_app

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[[web.Application], Awaitable[TestClientT]]

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SLIDERS = EXAMPLES / "bokeh_sliders.py"
DASHBOARD = EXAMPLES / "bokeh"


def summary(a: float, k: float, w: float, b: float) -> str:
    return f"y = {a:.1f} sin({k:.1f} x + {w:.1f}) + {b:.1f}"


@pytest.fixture
async def sliders(aiohttp_client: AiohttpClient) -> Callable[..., Awaitable[TestClientT]]:
    """The sliders example on a real port (Bokeh's client connects from another thread)."""

    async def serve(**options: Any) -> TestClientT:
        return await aiohttp_client(create_app([str(SLIDERS), str(DASHBOARD)], **options))

    return serve


async def test_pull_session_reads_the_example_documents(sliders: Any) -> None:
    client = await sliders()

    def pull(path: str) -> dict[str, Any]:
        with pull_session(url=str(client.make_url(path))) as session:
            doc = session.document
            return {"title": doc.title, "roots": [r.name for r in doc.roots],
                    "summary": getattr(doc.get_model_by_name("summary"), "text", None),
                    "sliders": sorted(s.name for s in doc.select({"type": Slider})),
                    "ticks": len(doc.get_model_by_name("walk_source").data["t"])
                    if doc.get_model_by_name("walk_source") else None,
                    "theme_fill": doc.get_model_by_name("stream_plot").background_fill_color
                    if doc.get_model_by_name("stream_plot") else None}

    one = await asyncio.to_thread(pull, "/bokeh_sliders")
    assert one["title"] == "Sliders"
    assert one["summary"] == summary(1, 1, 0, 0)
    assert one["sliders"] == ["amplitude", "freq", "offset", "phase"]
    two = await asyncio.to_thread(pull, "/bokeh")
    assert two["title"] == "Streaming dashboard"
    assert two["roots"] == ["controls", "charts"]
    assert two["ticks"] >= 40  # the history main.py streams before the first page
    assert two["theme_fill"] == "#fbfaf7"  # theme.yaml


async def test_a_change_from_bokeh_client_runs_the_apps_callback(sliders: Any) -> None:
    """One client changes a slider of a named session; the next client to open it sees
    what the app's on_change computed on the server."""
    client = await sliders()
    url = str(client.make_url("/bokeh_sliders"))

    def change_then_reopen() -> tuple[float, str]:
        with pull_session(session_id="shared-by-name", url=url) as first:
            first.document.get_model_by_name("freq").value = 2.0
            first.force_roundtrip()  # the change has reached the server
        with pull_session(session_id="shared-by-name", url=url) as second:
            doc = second.document
            return doc.get_model_by_name("freq").value, doc.get_model_by_name("summary").text

    freq, text = await asyncio.to_thread(change_then_reopen)
    assert freq == 2.0
    assert text == summary(1, 2, 0, 0)


async def test_push_session_puts_a_client_document_on_the_server(sliders: Any) -> None:
    client = await sliders()
    url = str(client.make_url("/bokeh_sliders"))

    def push_then_pull() -> tuple[list[str], str]:
        doc = Document()
        doc.add_root(Div(text="made by push_session", name="pushed"))
        doc.title = "Pushed"
        with push_session(doc, session_id="pushed-doc", url=url), \
                pull_session(session_id="pushed-doc", url=url) as other:
            texts = [d.text for d in other.document.select({"type": Div})]
            return texts, other.document.title

    texts, title = await asyncio.to_thread(push_then_pull)
    assert texts == ["made by push_session"]
    assert title == "Pushed"


async def test_server_session_embeds_a_session_from_another_site(sliders: Any) -> None:
    client = await sliders()
    url = str(client.make_url("/bokeh_sliders"))

    def pulled_and_tag() -> tuple[str, str]:
        with pull_session(url=url) as session:
            return session.id, server_session(session_id=session.id, url=url)

    session_id, tag = await asyncio.to_thread(pulled_and_tag)
    src = re.search(r"xhr.open\('GET', \"([^\"]+)\"", tag)
    assert src is not None, tag
    assert f'xhr.setRequestHeader("Bokeh-Session-Id", "{session_id}")' in tag
    site = "http://127.0.0.1:1"  # another origin
    # The browser asks first (a custom header from another origin)...
    preflight = await client.session.options(src.group(1), headers={
        "Origin": site, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "bokeh-session-id"})
    assert preflight.status in (200, 204)
    allowed = preflight.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "bokeh-session-id" in allowed or allowed == "*"
    # ...then loads the script, which carries a token for exactly that session.
    response = await client.session.get(src.group(1), headers={
        "Origin": site, "Bokeh-Session-Id": session_id})
    assert response.status == 200
    assert response.headers.get("Access-Control-Allow-Origin") in ("*", site)
    body = await response.text()
    token = re.search(r'"token": ?"([^"]+)"', body)
    assert token is not None
    first = token.group(1).split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    assert payload["session_id"] == session_id


# Bokeh's client reads BOKEH_SECRET_KEY and BOKEH_SIGN_SESSIONS once, when bokeh is
# imported (they are default arguments of bokeh.util.token), so it runs in a process
# of its own with them set, as a Bokeh user runs it.
SIGNED_CLIENT = """\
import sys
from bokeh.client import pull_session
try:
    with pull_session(url=sys.argv[1]) as session:
        print("summary:", session.document.get_model_by_name("summary").text)
except OSError as exc:
    print("refused:", exc)
"""


async def run_bokeh_client(url: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOKEH_", "AIOSERVE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SIGNED_CLIENT, url, env={**environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return out.decode().strip().splitlines()[-1]


async def test_bokeh_clients_in_signed_mode(sliders: Any) -> None:
    """Bokeh's client signs with BOKEH_SECRET_KEY: the same key gets in, another does not."""
    key = generate_secret_key()
    client = await sliders(session_ids="signed", secret_key=key)
    url = str(client.make_url("/bokeh_sliders"))
    signed = {"BOKEH_SIGN_SESSIONS": "yes"}
    assert await run_bokeh_client(url, BOKEH_SECRET_KEY=key, **signed) == (
        "summary: " + summary(1, 1, 0, 0))
    forger = await run_bokeh_client(url, BOKEH_SECRET_KEY=generate_secret_key(), **signed)
    assert forger.startswith("refused:") and "403" in forger
    unsigned = await run_bokeh_client(url)
    assert unsigned.startswith("refused:") and "403" in unsigned


async def open_ws(client: TestClientT, token: str,
                  path: str = "/bokeh_sliders") -> aiohttp.ClientWebSocketResponse:
    return await client.session.ws_connect(client.make_url(path + "/ws"),
                                           protocols=("bokeh", token))


async def first_message(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any] | None:
    """The header of the server's first message, or None if it closed instead."""
    frame = await asyncio.wait_for(ws.receive(), 10)
    if frame.type != aiohttp.WSMsgType.TEXT:
        return None
    return dict(json.loads(frame.data))


async def test_forged_and_expired_bokeh_tokens_are_refused(sliders: Any) -> None:
    key = generate_secret_key()
    client = await sliders(session_ids="signed", secret_key=key)
    good_id = generate_session_id(secret_key=key.encode(), signed=True)

    def token(session_id: str = good_id, signing_key: str = key, **kw: Any) -> str:
        return generate_jwt_token(session_id, secret_key=signing_key.encode(), signed=True, **kw)

    forged = [
        token(signing_key=generate_secret_key()),  # token signed with another key
        token(generate_session_id(secret_key=b"z" * 44, signed=True)),  # id signed elsewhere
        token(good_id.split(".")[0]),  # an unsigned id in a signed token
        token()[:-2] + ("AA" if not token().endswith("AA") else "BB"),  # a changed signature
    ]
    payload, signature = token(extra_payload={"headers": {"X-User": "alice"}}).split(".")
    tampered = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    tampered["session_expiry"] += 3600
    forged.append(base64.urlsafe_b64encode(json.dumps(tampered).encode()).decode().rstrip("=")
                  + "." + signature)  # the payload changed after signing
    for bad in forged:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await open_ws(client, bad)
        assert refused.value.status == 403, bad
    # An expired token cannot create a session: no ACK, a close.
    ws = await open_ws(client, token(expiration=-10))
    assert await first_message(ws) is None
    assert ws.close_code is not None and ws.close_code >= 4000
    # The control: a fresh token minted by Bokeh with the right key gets an ACK.
    ws = await open_ws(client, token())
    header = await first_message(ws)
    assert header is not None and header["msgtype"] == "ACK"
    # Expiry limits creating a session, not reconnecting to a live one (unlike bokeh
    # serve, where a tab reconnecting after --session-token-expiration gets a blank page).
    again = await open_ws(client, token(expiration=-10))
    header = await first_message(again)
    assert header is not None and header["msgtype"] == "ACK"
    await again.close()
    await ws.close()
