"""Editing an app's files under `--dev` in a test, the way a person saves them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aioserve.server.dev import DevReloader


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


async def edit(reloader: DevReloader, path: Path, text: str, *,
               save: Callable[[], Awaitable[None]] | None = None) -> None:
    """Write the file and wait for the reload the watcher makes of it. The watcher may
    still be starting when a test begins, so an edit it missed is made again. (A test
    that calls `reloader.apply` itself races the watcher's own reload of the same
    edit: the second one closes the sockets the test just opened.)"""
    before = reloader.generation
    for _ in range(5):
        if save is None:
            write(path, text)
        else:
            await save()
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if reloader.generation > before:
                return
            await asyncio.sleep(0.02)
    raise AssertionError(f"no reload after editing {path}")
