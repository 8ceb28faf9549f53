"""Instructions the server runs per slider message, counted by valgrind: a figure
the VM's slow spells cannot move.

    python -m bench.instructions [--app bench/apps/aioserve/dashboard.py]
                                 [--messages 200] [--source DIR]

Latency on this machine drifts by tens of percent between runs (bench/RESULTS.md,
(4)), which hides a change of a few microseconds. This counts the CPU
instructions of the aioserve engine's whole handling of one browser `set`, as
`converse` does it after reading the frame: parse the JSON, apply the value, run
the app's callbacks, encode the patch and the `ok`, build the frames and hand
them to the socket (a stub here: no system call is counted). The session is
made with `aioserve.testing.open_session` (one more connection, a test client,
gets the whole patch), the collector tuned as the CLI tunes it and then off,
so a young pass landing in the window does not blur the count. The first 100
messages warm up; valgrind's callgrind counts only inside `functools.reduce`,
which runs the measured ones.

`--source DIR` imports aioserve from DIR (a checkout's root), to count another
version side by side (one from 840f056 on: `websocket.answer` came then). Needs
valgrind (apt install valgrind).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
DASHBOARD = BENCH / "apps" / "aioserve" / "dashboard.py"
WARM_UP = 100


class _Socket:
    """The raw transport Connection writes to: takes the bytes, sends nothing."""

    written = 0

    def write(self, data: bytes) -> None:
        self.written += len(data)

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


class _Websocket:
    closed = False


async def handle(app: Path, messages: int) -> None:
    """The measured process: `messages` slider moves, as converse handles them."""
    import gc

    from aioserve.server import collector, websocket
    from aioserve.sessions.connection import Connection
    from aioserve.testing import open_session

    async with open_session(app) as opened:
        collector.tune()
        collector.freeze_startup()
        gc.disable()
        session = opened.server_session
        slider = session.document.select_one(name="freq")
        connection = Connection(_Websocket(), raw=_Socket())  # type: ignore[arg-type]
        connection.synced = True
        session.subscribe(connection)
        texts = [json.dumps({"type": "set", "id": i, "model": slider.id, "attr": "value",
                             "value": round(0.1 + i * 0.1, 2)}) for i in range(49)]

        def one(_: Any, i: int) -> None:
            message = websocket._parse(texts[i % 49])
            assert message is not None
            websocket.answer(connection, session, i, message)

        for i in range(WARM_UP):
            one(None, i)
        functools.reduce(one, range(messages), None)  # what callgrind counts


def count(app: Path, messages: int, source: Path | None) -> float:
    """Run this module under callgrind; instructions per message."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is missing: apt install valgrind")
    # Run as a script (its folder, not the checkout, first on the path), so aioserve
    # comes from PYTHONPATH: `source`, else this checkout.
    env = {**os.environ, "PYTHONHASHSEED": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(source or BENCH.parent),
                                                       os.environ.get("PYTHONPATH")]))}
    run = subprocess.run(
        [valgrind, "--tool=callgrind", "--collect-atstart=no",
         "--toggle-collect=functools_reduce", "--callgrind-out-file=/dev/null",
         sys.executable, __file__, "--inside", "--app", str(app), "--messages", str(messages)],
        env=env, capture_output=True, text=True, timeout=600)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed:\n{run.stderr[-2000:]}")
    return int(found.group(1)) / messages


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("--app", type=Path, default=DASHBOARD)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--source", type=Path, default=None,
                        help="a checkout whose aioserve/ to count instead")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        asyncio.run(handle(args.app.resolve(), args.messages))
        return
    per_message = count(args.app.resolve(), args.messages, args.source)
    print(f"{per_message:,.0f} instructions per slider message "
          f"({args.app.name}, {args.messages} messages, aioserve from "
          f"{args.source or 'this checkout'})")


if __name__ == "__main__":
    main()
