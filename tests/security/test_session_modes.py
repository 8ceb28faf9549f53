"""--session-ids, from outside: made-up, missing and foreign ids, through page and websocket."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aioserve import generate_session_id
from aioserve.client import token_session_id
from aioserve.security.tokens import check_session_id_signature


async def test_signed_mode_refuses_a_made_up_session_id(start, secret_key) -> None:
    served = await start(session_ids="signed", secret_key=secret_key)
    for made_up in ("guessed", "abc.def", generate_session_id()):
        page = await served.page(f"/app?aioserve-session-id={made_up}")
        assert page.status == 403
        assert "Invalid token or session ID" in page.text
    # Signed with some other key: refused just the same.
    foreign = generate_session_id(secret_key="x" * 43, signed=True)
    assert (await served.page(f"/app?bokeh-session-id={foreign}")).status == 403
    assert (await served.page("/app", headers={"Bokeh-Session-Id": foreign})).status == 403


async def test_signed_mode_mints_signed_ids_that_open_sessions(start, secret_key,
                                                                read_seen) -> None:
    served = await start(session_ids="signed", secret_key=secret_key)
    page = await served.page("/app")
    assert page.status == 200
    session_id = token_session_id(page.token)
    assert check_session_id_signature(session_id, secret_key, signed=True)
    assert not check_session_id_signature(session_id, "y" * 43, signed=True)
    async with await served.connect("/app", page.token, page.ws_path) as session:
        assert session.id == session_id
        assert read_seen(session)["id"] == session_id
    # A signed id this server made may be named again (it is the session's secret).
    again = await served.page(f"/app?aioserve-session-id={session_id}")
    assert again.status == 200 and token_session_id(again.token) == session_id


async def test_external_signed_mode_requires_an_id(start, secret_key) -> None:
    served = await start(session_ids="external-signed", secret_key=secret_key)
    page = await served.page("/app")
    assert page.status == 403
    assert "No aioserve-session-id provided" in page.text
    made_up = await served.page("/app?aioserve-session-id=" + generate_session_id())
    assert made_up.status == 403


async def test_external_signed_mode_accepts_an_id_signed_elsewhere(start, secret_key,
                                                                    read_seen) -> None:
    served = await start(session_ids="external-signed", secret_key=secret_key)
    # What another service (an auth proxy, say) does with the shared key:
    session_id = generate_session_id(secret_key=secret_key, signed=True)
    page = await served.page(f"/app?aioserve-session-id={session_id}")
    assert page.status == 200
    async with await served.connect("/app", page.token, page.ws_path) as session:
        assert read_seen(session)["id"] == session_id


async def test_unsigned_mode_shares_a_named_session(start, read_seen) -> None:
    served = await start()
    first = await served.session("/app?aioserve-session-id=shared")
    second = await served.session("/app?bokeh-session-id=shared")
    try:
        assert first.id == second.id == "shared"
    finally:
        await first.close()
        await second.close()


async def test_an_id_given_twice_is_refused(start) -> None:
    served = await start()
    page = await served.page("/app?aioserve-session-id=a", headers={"Aioserve-Session-Id": "a"})
    assert page.status == 403


@pytest.mark.parametrize(("key", "shown"), [(None, "got none"), ("short-key", "got 9 bytes")])
def test_signed_modes_without_a_good_key_refuse_to_start(key: str | None, shown: str,
                                                          tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    env = {"PATH": "/usr/bin:/bin"}
    if key is not None:
        env["AIOSERVE_SECRET_KEY"] = key
    for mode in ("signed", "external-signed"):
        done = subprocess.run(
            [sys.executable, "-m", "aioserve", "serve", "app.py", "--port", "0",
             "--session-ids", mode],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=30)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
        assert len(errors) == 1, done.stderr
        assert shown in errors[0]
        assert "aioserve secret" in errors[0] and "AIOSERVE_SECRET_KEY" in errors[0]


def test_aioserve_secret_prints_a_key_the_signed_mode_takes(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "aioserve", "secret"], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    key = done.stdout.strip()
    assert len(key.encode()) >= 32 and "\n" not in key
    assert check_session_id_signature(generate_session_id(key, signed=True), key, signed=True)
