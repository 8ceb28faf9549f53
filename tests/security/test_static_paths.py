"""Static routes never serve a file outside their folder, however the path is spelled.

Requests go out over a raw socket, so no client library tidies the path first.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

SECRET = "TOP-SECRET-CONTENT"


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    """A directory app whose static/ folder sits next to files it must not reveal."""
    (tmp_path / "secret.txt").write_text(SECRET)
    folder = tmp_path / "dirapp"
    static = folder / "static"
    (static / "sub").mkdir(parents=True)
    (static / "ok.txt").write_text("public file")
    (static / "sub" / "inner.txt").write_text("inner file")
    (folder / "main.py").write_text(f"# {SECRET}\n")
    (folder / "app_hooks.py").write_text(f"# {SECRET}\n")
    (static / "link-out.txt").symlink_to(tmp_path / "secret.txt")
    (static / "dir-out").symlink_to(tmp_path, target_is_directory=True)
    return folder


async def _raw_get(port: int, target: str) -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode("latin-1"))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    assert status is not None, raw[:200]
    return int(status[1]), body.decode("latin-1")


def _escapes(base: str, target_file: str) -> list[str]:
    """Ways of writing "../<target_file>" below `base` that clients and proxies let through."""
    return [
        f"{base}/../{target_file}",
        f"{base}/../../{target_file}",
        f"{base}/sub/../../{target_file}",
        f"{base}/%2e%2e/{target_file}",
        f"{base}/%2E%2E/%2e%2e/{target_file}",
        f"{base}/..%2f{target_file}",
        f"{base}/..%2F..%2F{target_file}",
        f"{base}/%2e%2e%2f%2e%2e%2f{target_file}",
        f"{base}/..\\{target_file}",
        f"{base}/..%5c{target_file}",
        f"{base}/%252e%252e/{target_file}",
        f"{base}/.%2e/{target_file}",
        f"{base}/%c0%ae%c0%ae/{target_file}",
        f"{base}//{target_file}",
        f"{base}/%00../{target_file}",
    ]


async def test_app_static_stays_in_its_folder(start, app_dir: Path) -> None:
    served = await start({"/app": app_dir})
    port = served.server.port
    assert await _raw_get(port, "/app/static/ok.txt") == (200, "public file")
    assert await _raw_get(port, "/app/static/sub/inner.txt") == (200, "inner file")
    targets = [*_escapes("/app/static", "secret.txt"), *_escapes("/app/static", "main.py"),
               *_escapes("/app/static/sub", "../secret.txt"),
               f"/app/static/{app_dir.parent / 'secret.txt'}",
               f"/app/static//{app_dir.parent / 'secret.txt'}",
               f"/app/static/%2f{str(app_dir.parent / 'secret.txt').lstrip('/')}",
               "/app/static/link-out.txt", "/app/static/dir-out/secret.txt",
               "/app/static/dir-out/dirapp/main.py"]
    for target in targets:
        status, body = await _raw_get(port, target)
        assert SECRET not in body, target
        assert status in (400, 403, 404), (target, status)


async def test_client_static_stays_in_its_folder(start) -> None:
    served = await start()
    page = await served.page("/app")
    client_js = re.search(r'src="(/static/[^"/]+)/aioserve\.js"', page.text)
    assert client_js is not None
    base = client_js[1]
    port = served.server.port
    status, body = await _raw_get(port, f"{base}/aioserve.js")
    assert status == 200 and "import" in body
    # The package's Python sources sit one folder up from the client's files.
    for target in [*_escapes(base, "config.py"), *_escapes(base, "server/app.py"),
                   f"{base}/../../../../../../../../etc/passwd", f"{base}//etc/passwd",
                   f"{base}/%2fetc%2fpasswd"]:
        status, body = await _raw_get(port, target)
        assert "MIN_SECRET_KEY_BYTES" not in body and "root:" not in body, target
        assert "def create_app" not in body, target
        assert status in (400, 403, 404), (target, status)
