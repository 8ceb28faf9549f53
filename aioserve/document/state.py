"""Which document app code is working on (`curdoc()` in document.py reads it)."""

from __future__ import annotations

from contextvars import ContextVar, Token
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


def using_document(doc: Document) -> _Using:
    """`with using_document(doc):` makes `doc` current inside the block."""
    return _Using(doc)


class _Using:
    # A class, not @contextmanager: entered once per callback, on every message's path.
    __slots__ = ("_doc", "_token")
    _token: Token[Document]

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def __enter__(self) -> Document:
        self._token = _current.set(self._doc)
        return self._doc

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)
