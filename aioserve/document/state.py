"""Which document app code is working on: `curdoc()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aioserve.document.document import Document

_current: ContextVar[Document] = ContextVar("aioserve_current_document")


def curdoc() -> Document:
    """The document of the session whose code is running.

    Outside a session (e.g. `python app.py`) a standalone document is made
    once per context, as Bokeh does, so a script can still be imported.
    """
    try:
        return _current.get()
    except LookupError:
        from aioserve.document.document import Document

        doc = Document()
        _current.set(doc)
        return doc


@contextmanager
def using_document(doc: Document) -> Iterator[Document]:
    token = _current.set(doc)
    try:
        yield doc
    finally:
        _current.reset(token)
