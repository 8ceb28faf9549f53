"""Requests that are not HTTP we serve: a 400, one short access-style line each in the
log (status, reason, remote), never a traceback; HTTP/0.9 is refused, not answered."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from aioserve import create_app
from aioserve.models import Div
from aioserve.server.access_log import ACCESS_LOG, AccessLogger
from aioserve.server.bad_requests import quiet_server_log, unparsed_cause

# One connection each. The cause named in the line is aiohttp's, so the
# patterns only pin the status, the reason and the remote address.
BAD_REQUESTS = [
    b"GET /app HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",  # no colon
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(39),  # TLS on the plain port
    b"GET /app HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET /app HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n",  # > 8190 bytes
    bytes(range(1, 51)),  # 50 bytes of control characters
    b"GET /app HTTP/9.9\r\nHost: x\r\n\r\n",
]
ROUNDS = 16  # 6 kinds x 16 = 96 connections, + 4 HTTP/0.9 requests = 100


def hello(doc: Any) -> None:
    doc.add_root(Div(text="hello"))


async def _send(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def test_a_hundred_bad_requests_write_a_hundred_short_lines(cli_server, tmp_path: Path
                                                                  ) -> None:
    (tmp_path / "app.py").write_text("from aioserve import curdoc\n"
                                     "from aioserve.models import Div\n"
                                     "curdoc().add_root(Div(text='hi'))\n")
    server = cli_server("app.py")
    port = int(server.base_url.rsplit(":", 1)[1])
    since = server.mark()
    for _ in range(ROUNDS):
        answers = await asyncio.gather(*(_send(port, data) for data in BAD_REQUESTS))
        assert all(answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0]
                   for answer in answers), [a[:40] for a in answers]
    for _ in range(4):
        assert (await _send(port, b"GET /app\r\n\r\n")).startswith(b"HTTP/1.0 400 ")
    # A connection that sends half a request and goes away is not worth a line.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /app HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    await asyncio.sleep(0.2)
    writer.close()
    # The server still serves, and its access line comes after all of the above.
    assert (await _send(port, b"GET /app HTTP/1.0\r\n\r\n")).startswith(b"HTTP/1.0 200 ")
    await server.await_for(r"200 GET /app \(127\.0\.0\.1\)", since=since)
    lines = server.output()[since:].splitlines()
    assert "Traceback" not in server.output()
    unparsable = [line for line in lines
                  if re.search(r"400 Bad Request: [ -~]{1,100} \(127\.0\.0\.1\)$", line)]
    http09 = [line for line in lines if re.search(r"400 GET /app \(127\.0\.0\.1\) ", line)]
    assert len(unparsable) == ROUNDS * len(BAD_REQUESTS), lines
    assert len(http09) == 4
    # Nothing else about these connections: every line naming the client is one of
    # the above or the 200 (a loaded machine may add lines of other kinds, e.g. the
    # loop watchdog's, which do not name a client).
    about_clients = [line for line in lines if "127.0.0.1" in line]
    assert len(about_clients) == len(unparsable) + len(http09) + 1, lines  # + the 200
    assert not [line for line in lines if line not in about_clients and (
        "400" in line or "Error handling request" in line or "aiohttp" in line)], lines
    assert all(len(line) < 200 for line in about_clients)


@pytest.mark.parametrize("prefix", ["", "/dash"])
async def test_http_0_9_is_refused_with_400(aiohttp_server: Any, prefix: str, caplog) -> None:
    caplog.set_level(logging.INFO)
    app = create_app({"/app": hello}, prefix=prefix)
    server = await aiohttp_server(app, host="127.0.0.1", port=0)
    for path in (f"{prefix}/app", f"{prefix}/", "/nothing-here", f"{prefix}/app/ws"):
        answer = await _send(server.port, f"GET {path}\r\n\r\n".encode())
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.0 400 Bad Request\r\n"), (path, answer[:80])
        assert b"HTTP/0.9 is not served" in body and b"aioserve-token" not in body
    # HTTP/1.0 and 1.1 are served as before.
    assert (await _send(server.port, f"GET {prefix}/app HTTP/1.0\r\n\r\n".encode())).startswith(
        b"HTTP/1.0 200 ")


def test_the_cause_is_one_printable_short_line() -> None:
    def cause(text: str) -> str:
        return unparsed_cause(web.Response(status=400, text=text))

    assert cause("Invalid header token:\n\n  b'Bad Header'\n       ^") == "Invalid header token"
    assert cause("Bad status line '\x1b[31mred\x00'") == "Bad status line '?[31mred?'"
    assert len(cause("x" * 5000)) == 100 and cause("x" * 5000).endswith("...")
    assert cause("") == "unparsable request"
    assert unparsed_cause(web.StreamResponse(status=400)) == "unparsable request"


async def test_in_your_own_runner_junk_and_stalled_connections_stay_quiet(caplog) -> None:
    """Embedding as docs/security.md says: `AppRunner(app, logger=quiet_server_log())`.
    A stalled half request is closed by aiohttp's idle timer without a line."""
    caplog.set_level(logging.INFO)
    runner = web.AppRunner(create_app({"/app": hello}), access_log_class=AccessLogger,
                           access_log=ACCESS_LOG, logger=quiet_server_log(),
                           keepalive_timeout=0.5)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        stalled = []
        for _ in range(5):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /app HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            stalled.append((reader, writer))
        for data in BAD_REQUESTS:
            await _send(port, data)
        for reader, writer in stalled:
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
            writer.close()
    finally:
        await runner.cleanup()
    records = [r for r in caplog.records if r.levelno >= logging.INFO
               and r.name.startswith(("aiohttp", "aioserve.http", "aioserve.access"))]
    messages = [r.getMessage() for r in records]
    assert len(messages) == len(BAD_REQUESTS), messages  # one each; none for the stalled
    assert all(re.fullmatch(r"400 Bad Request: [ -~]{1,100} \(127\.0\.0\.1\)", m)
               for m in messages), messages
    assert not any(r.exc_info for r in records)
