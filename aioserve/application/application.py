"""An application: handlers that build each session's document, plus lifecycle hooks."""

from __future__ import annotations

import importlib.util
import inspect
import logging
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aioserve.application.handlers import (
    AppFunction,
    FunctionHandler,
    Handler,
    NotebookHandler,
    ScriptHandler,
    call_hook,
    drop_modules,
)
from aioserve.document.document import Document
from aioserve.document.loop_time import HeldTime
from aioserve.errors import AppLoadError
from aioserve.sessions.context import SessionContext

log = logging.getLogger("aioserve.application")

HOOK_NAMES = ("on_server_loaded", "on_server_unloaded", "on_session_created",
              "on_session_destroyed", "process_request")


class Application:
    """What Bokeh calls an Application: an ordered list of handlers and hooks.

    >>> app = Application(lambda doc: None)
    >>> len(app.handlers)
    1
    """

    def __init__(self, *handlers: Handler | AppFunction, metadata: Any = None) -> None:
        self.handlers: list[Handler] = [
            h if isinstance(h, Handler) else FunctionHandler(h) for h in handlers]
        self.metadata = metadata
        self.hooks: types.ModuleType | None = None
        self.hooks_path: Path | None = None
        self.static_path: Path | None = None
        self.templates_path: Path | None = None
        self.theme_path: Path | None = None
        self.folder: Path | None = None

    def hook(self, name: str) -> Callable[..., Any] | None:
        return getattr(self.hooks, name, None) if self.hooks is not None else None

    async def on_server_loaded(self, server_context: Any) -> None:
        await call_hook(self.hook("on_server_loaded"), server_context)

    async def on_server_unloaded(self, server_context: Any) -> None:
        await call_hook(self.hook("on_server_unloaded"), server_context)

    async def on_session_destroyed(self, context: SessionContext) -> None:
        await call_hook(self.hook("on_session_destroyed"), context)

    def process_request(self, request: Any) -> dict[str, Any]:
        hook = self.hook("process_request")
        if hook is None:
            return {}
        result = hook(request)
        if not isinstance(result, dict):
            raise TypeError(f"process_request must return a dict, not {type(result).__name__}")
        return result

    async def build_document(self, context: SessionContext,
                             held: HeldTime | None = None) -> Document:
        """A new document for a session; on error nothing is left behind.

        `held` (the loop watchdog) times each sync part of the app code it runs.
        """
        doc = Document()
        doc.session_context = context
        held = held or HeldTime()
        try:
            hook = self.hook("on_session_created")
            if hook is not None:
                await _timed_call(held, hook, context)
            for handler in self.handlers:
                await _timed_call(held, handler.modify_document, doc)
        except BaseException:
            await doc.destroy()
            drop_modules(doc)
            raise
        return doc

    def load_problem(self) -> str | None:
        """Why the app's code does not load (a syntax error, a notebook that is not
        JSON, a directory without main.py), in one line; None when it loads."""
        for handler in self.handlers:
            problem = getattr(handler, "summary", None) or getattr(handler, "error", None)
            if problem:
                text = " ".join(str(problem).split())
                return text if len(text) <= 300 else text[:299] + "…"
        return None

    def watched_files(self) -> list[Path]:
        files = [f for h in self.handlers for f in h.watched_files()]
        if self.hooks_path is not None:
            files.append(self.hooks_path)
        for folder in (self.static_path, self.templates_path):
            if folder is not None:
                files.append(folder)
        if self.theme_path is not None:
            files.append(self.theme_path)
        return files

    def reload(self) -> None:
        for handler in self.handlers:
            handler.reload()

    def reload_hooks(self) -> types.ModuleType | None:
        """Read the hooks file again (dev mode); returns the module it replaces.

        Raises AppLoadError, keeping the current hooks, when the file fails to load.
        """
        old = self.hooks
        if self.hooks_path is not None:
            self.hooks = _load_hooks(self.hooks_path)
        return old


async def _timed_call(held: HeldTime, fn: Callable[..., Any], *args: Any) -> None:
    result = held.call(fn, *args)
    if inspect.iscoroutine(result):
        await held.steps(result)
    elif inspect.isawaitable(result):
        await result


def route_name(path: Path) -> str:
    """`x.py`, `x.ipynb` and `x/` are all served at `/x`."""
    return path.stem if path.is_file() else path.name


def load_application(path: Path, argv: Sequence[str] = ()) -> Application:
    """An Application for a script, a notebook or a directory."""
    argv = list(argv)
    if path.is_dir():
        return _load_directory(path, argv)
    if path.suffix == ".py":
        return Application(ScriptHandler(path, argv))
    if path.suffix == ".ipynb":
        return Application(NotebookHandler(path, argv))
    if not path.exists():
        raise AppLoadError(f"{path}: no such file or directory")
    raise AppLoadError(f"{path}: expected a .py script, a .ipynb notebook or a directory")


def _load_directory(folder: Path, argv: list[str]) -> Application:
    main_py, main_nb = folder / "main.py", folder / "main.ipynb"
    if main_py.exists():
        if main_nb.exists():
            log.warning("%s has both main.py and main.ipynb; serving main.py", folder)
        handler: Handler = ScriptHandler(main_py, argv)
    elif main_nb.exists():
        handler = NotebookHandler(main_nb, argv)
    else:
        raise AppLoadError(f"{folder}: a directory app needs a main.py or main.ipynb")
    app = Application(handler)
    app.folder = folder.resolve()
    hooks = [p for p in (folder / "app_hooks.py", folder / "server_lifecycle.py") if p.exists()]
    if len(hooks) > 1:
        raise AppLoadError(f"{folder}: use app_hooks.py or server_lifecycle.py, not both")
    if hooks:
        app.hooks_path = hooks[0].resolve()
        app.hooks = _load_hooks(app.hooks_path)
    if (folder / "static").is_dir():
        app.static_path = (folder / "static").resolve()
    if (folder / "templates" / "index.html").is_file():
        app.templates_path = (folder / "templates").resolve()
    if (folder / "theme.css").is_file():
        app.theme_path = (folder / "theme.css").resolve()
    return app


def _load_hooks(path: Path) -> types.ModuleType:
    """The hooks module is loaded once per server, not per session."""
    name = f"aioserve_hooks_{abs(hash(str(path))):x}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AppLoadError(f"{path}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise AppLoadError(f"{path}: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(str(path.parent))
    unknown = [n for n in vars(module) if n.startswith("on_") and n not in HOOK_NAMES]
    if unknown:
        log.warning("%s defines %s, which aioserve does not call", path, ", ".join(unknown))
    return module
