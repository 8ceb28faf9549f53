"""Handlers build a session's document: from a script, a notebook or a function."""

from __future__ import annotations

import inspect
import secrets
import sys
import traceback
import types
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aioserve.application.notebook import notebook_source
from aioserve.document.document import Document
from aioserve.document.state import using_document
from aioserve.errors import AppLoadError

AppFunction = Callable[[Document], Awaitable[None] | None]
MODULE_PREFIX = "aioserve_app_"


class Handler:
    """Something that adds to a document; `watched_files` matter to --dev."""

    def modify_document(self, doc: Document) -> Awaitable[None] | None:
        raise NotImplementedError

    def watched_files(self) -> list[Path]:
        return []

    def reload(self) -> None:
        """Re-read the code from disk (dev mode)."""


class FunctionHandler(Handler):
    """`def app(doc): ...` (or `async def`) called once per session."""

    def __init__(self, func: AppFunction) -> None:
        self.func = func

    def modify_document(self, doc: Document) -> Awaitable[None] | None:
        return self.func(doc)


class CodeHandler(Handler):
    """Runs Python source once per session in a fresh module.

    The module is registered in `sys.modules` while the session lives (so
    pickling and introspection work) and dropped when it is destroyed.
    """

    def __init__(self, path: Path, argv: list[str]) -> None:
        self.path = path.resolve()
        self.argv = argv
        self._file = str(self.path)  # what each session's module and sys.path[0] get
        self._folder = str(self.path.parent)
        self.error: str | None = None
        self.summary: str | None = None  # the error in one line, for the startup check
        self.code: types.CodeType | None = None
        self.reload()

    def read_source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def reload(self) -> None:
        try:
            self.code = compile(self.read_source(), str(self.path), "exec")
            self.error = self.summary = None
        except SyntaxError as exc:
            self.code = None
            self.error = "".join(traceback.format_exception_only(exc)).strip()
            self.summary = (f"{self.path.name}, line {exc.lineno}: "
                            f"{type(exc).__name__}: {exc.msg}")
        except (OSError, UnicodeDecodeError) as exc:
            self.code, self.error = None, f"{self.path}: {exc}"
            self.summary = self.error

    def watched_files(self) -> list[Path]:
        return [self.path]

    def modify_document(self, doc: Document) -> None:
        if self.code is None:
            raise AppLoadError(self.error or f"{self.path} could not be loaded")
        module = types.ModuleType(MODULE_PREFIX + secrets.token_hex(16))
        module.__file__ = self._file
        sys.modules[module.__name__] = module
        doc.add_app_module(module)
        with _app_environment([self.path.name, *self.argv], self._folder), \
                using_document(doc):
            exec(self.code, module.__dict__)


class ScriptHandler(CodeHandler):
    """A `.py` file."""


class NotebookHandler(CodeHandler):
    """A `.ipynb` file, translated by `notebook_source`."""

    def read_source(self) -> str:
        return notebook_source(self.path)

    def reload(self) -> None:
        try:
            super().reload()
        except AppLoadError as exc:
            self.code, self.error = None, str(exc)
            self.summary = self.error


class FailingHandler(Handler):
    """An app that could not be loaded at all (a directory without main.py, hooks
    that raise): each session build fails with the reason, so its route answers
    with an error page instead of vanishing."""

    def __init__(self, reason: str) -> None:
        self.error = self.summary = reason

    def modify_document(self, doc: Document) -> None:
        raise AppLoadError(self.error)


@contextmanager
def _app_environment(argv: list[str], folder: str) -> Iterator[None]:
    """`sys.argv` and `sys.path[0]` as the app expects while its code runs."""
    saved_argv = sys.argv
    sys.argv = argv
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.argv = saved_argv
        if folder in sys.path:
            sys.path.remove(folder)


def drop_modules(doc: Document) -> None:
    """Forget a session's modules and empty them, as Bokeh does.

    Every function an app defines refers to its module's namespace, which
    refers back to the function: a cycle only the garbage collector's rare
    full pass would free, holding the session's models with it. Emptying the
    namespace frees it all at once (docs/choices.md, "Memory of ended sessions").
    """
    for module in doc.take_app_modules():
        if sys.modules.get(module.__name__) is module:
            del sys.modules[module.__name__]
        module.__dict__.clear()


async def call_hook(hook: Callable[..., Any] | None, *args: Any) -> None:
    if hook is not None:
        result = hook(*args)
        if inspect.isawaitable(result):
            await result
