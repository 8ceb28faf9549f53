"""Which document app code is working on (`curdoc()` in document.py reads it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aioserve.document.document import Document

_current: ContextVar[Document] = ContextVar("aioserve_current_document")


def current_document() -> Document | None:
    """The document set by the innermost `using_document`, if any."""
    return _current.get(None)


def set_current_document(doc: Document) -> None:
    """Make `doc` current for the rest of this context (no `using_document` block)."""
    _current.set(doc)


@contextmanager
def using_document(doc: Document) -> Iterator[Document]:
    token = _current.set(doc)
    try:
        yield doc
    finally:
        _current.reset(token)
