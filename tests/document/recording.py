"""A document listener that records what a live document hands its session."""

from __future__ import annotations

import asyncio
from typing import Any

from aioserve.document import Document


class Recorder:
    """A document listener: one entry per batch the session would number and send."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.origins: list[list[object | None]] = []
        self.failures: list[tuple[BaseException, Any]] = []

    def document_changed(self, events: list[tuple[dict[str, Any], object | None]]) -> None:
        self.batches.append([event for event, _ in events])
        self.origins.append([origin for _, origin in events])

    def callback_failed(self, exc: BaseException, callback: Any) -> None:
        self.failures.append((exc, callback))


async def live_doc(*roots: Any) -> tuple[Document, Recorder]:
    doc = Document()
    for root in roots:
        doc.add_root(root)
    recorder = Recorder()
    doc.go_live(recorder, asyncio.get_running_loop())
    return doc, recorder
