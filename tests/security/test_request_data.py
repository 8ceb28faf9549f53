"""--include/--exclude-headers and -cookies decide what the token, and so the app, sees."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

from aioserve.security.tokens import ZLIB_KEY

HEADERS = {"X-Secret": "s3cr3t", "X-Keep": "kept", "Authorization": "Bearer hunter2"}
COOKIES = "a=1; b=2; session=private"


def _token_text(token: str) -> str:
    """The token's request data as text, as anyone holding the token can read it."""
    first = token.split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    packed = payload[ZLIB_KEY]
    return zlib.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))).decode()


async def _seen(served, read_seen):
    page = await served.page("/app?q=1", headers={**HEADERS, "Cookie": COOKIES})
    async with await served.connect("/app", page.token, page.ws_path) as session:
        return read_seen(session), _token_text(page.token)


async def test_by_default_the_app_sees_every_header_and_cookie(start, read_seen) -> None:
    seen, _ = await _seen(await start(), read_seen)
    assert {"X-Secret", "X-Keep", "Authorization"} <= set(seen["headers"])
    assert "Cookie" not in seen["headers"]  # cookies travel as a dict instead
    assert seen["cookies"] == {"a": "1", "b": "2", "session": "private"}
    assert seen["arguments"] == {"q": ["1"]}


async def test_excluded_headers_and_cookies_never_reach_the_token(start, read_seen) -> None:
    served = await start(exclude_headers=("x-secret", "Authorization"),
                         exclude_cookies=("session",))
    seen, token = await _seen(served, read_seen)
    assert "X-Keep" in seen["headers"]
    assert not {"X-Secret", "Authorization"} & set(seen["headers"])
    assert seen["cookies"] == {"a": "1", "b": "2"}
    assert "s3cr3t" not in token and "hunter2" not in token and "private" not in token


async def test_included_headers_and_cookies_are_all_the_app_sees(start, read_seen) -> None:
    served = await start(include_headers=("X-Keep",), include_cookies=("a",))
    seen, token = await _seen(served, read_seen)
    assert seen["headers"] == {"X-Keep": "kept"}
    assert seen["cookies"] == {"a": "1"}
    assert "s3cr3t" not in token and "private" not in token


def test_include_and_exclude_of_one_kind_together_refuse_to_start(cli_server,
                                                                   tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    server = cli_server("app.py", "--include-headers", "a", "--exclude-headers", "b", apps=0)
    assert server.proc.wait(30) == 2
    errors = [line for line in server.output().splitlines() if line.startswith("Error")]
    assert errors == ["Error: --include-headers and --exclude-headers cannot be used together"]
