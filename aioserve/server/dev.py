"""`--dev`: watch the apps' files; on a change reload the app in process and
refresh every open page of it.

The reload re-compiles the app's code (no re-exec of the server), re-reads a
directory app's hooks and page template when they changed, and drops modules
that app code imported from a changed file so the next session imports them
afresh. Each open page gets `{"type": "reload"}` and its session ends; the
page comes back with a session built from the new code. Code that does not
compile leaves the server running: the log says why, the page shows the error
and waits (long-polling /_aioserve/dev/wait) for the fix.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import jinja2
import watchfiles
from aiohttp import web

from aioserve.errors import AppLoadError
from aioserve.server.keys import ServerState
from aioserve.server.served_app import ServedApp
from aioserve.sessions.protocol import CLOSE_NORMAL

log = logging.getLogger("aioserve.server")

CLOSE_RELOADED = CLOSE_NORMAL
WAIT_TIMEOUT_S = 25.0  # a long-poll answers before proxies give up on it
STOP_TIMEOUT_S = 5.0
_NOISE = watchfiles.DefaultFilter()  # __pycache__, .git, editor swap files, ...


class DevReloader:
    """What to watch for each app, and the reload that follows a change."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.extra = [Path(p).resolve() for p in state.config.dev_watch]
        self.generation = 0  # one more after every reload; error pages wait on it
        self.closing = False
        self._reloaded = asyncio.Condition()

    def watched(self, served: ServedApp) -> list[Path]:
        """The app's files and folders; a directory app's whole folder (helper modules too)."""
        engine = served.engine
        paths = [Path(p).resolve() for p in engine.watched_files()]
        if engine.folder is not None:
            paths.append(engine.folder)
        return paths

    def roots(self) -> list[Path]:
        """Folders to hand to the watcher: a file's folder (editors replace files
        by renaming, which a watch on the file itself would lose)."""
        folders = {p if p.is_dir() else p.parent
                   for p in [*self.extra, *(f for s in self.state.apps.values()
                                            for f in self.watched(s))]}
        return sorted(f for f in folders
                      if f.exists() and not any(o != f and f.is_relative_to(o) for o in folders))

    def affected(self, changed: Iterable[Path]) -> list[ServedApp]:
        """The apps that a set of changed paths concerns (all of them for --dev-watch)."""
        changed = list(changed)
        if any(_under(p, self.extra) for p in changed):
            return list(self.state.apps.values())
        return [s for s in self.state.apps.values()
                if any(_under(p, self.watched(s)) for p in changed)]

    def relevant(self, change: watchfiles.Change, path: str) -> bool:
        """The watcher's filter: editor and cache noise out, then only our paths."""
        if not _NOISE(change, path):
            return False
        resolved = Path(path)
        return _under(resolved, self.extra) or any(
            _under(resolved, self.watched(s)) for s in self.state.apps.values())

    async def apply(self, changed: set[Path]) -> list[ServedApp]:
        """Reload what `changed` concerns and refresh its pages; the watcher calls this."""
        apps = self.affected(changed)
        if not apps:
            return []
        _forget_modules(changed)
        for served in apps:
            await reload_app(served, changed, self.state)
        async with self._reloaded:
            self.generation += 1
            self._reloaded.notify_all()
        return apps

    async def wait(self, since: int) -> int:
        """The generation once it passes `since` (or the server stops)."""
        async with self._reloaded:
            await self._reloaded.wait_for(lambda: self.generation > since or self.closing)
            return self.generation

    async def release(self, app: web.Application) -> None:
        """on_shutdown: answer waiting error pages now, not when the server gives up on them."""
        async with self._reloaded:
            self.closing = True
            self._reloaded.notify_all()

    async def watch(self, stop: asyncio.Event) -> None:
        roots = self.roots()
        if not roots:
            log.warning("--dev: no app files to watch")
            return
        log.info("--dev: watching %s", ", ".join(map(str, roots)))
        async for changes in watchfiles.awatch(*roots, watch_filter=self.relevant,
                                               stop_event=stop):
            changed = {Path(path) for _, path in changes}
            log.info("--dev: changed: %s", ", ".join(sorted(map(str, changed))))
            try:
                await self.apply(changed)
            except Exception:
                log.exception("--dev: reload failed; the server goes on")


DEV = web.AppKey("aioserve_dev", DevReloader)


async def reload_app(served: ServedApp, changed: set[Path], state: ServerState) -> None:
    engine = served.engine
    errors = engine.reload(changed)
    for error in errors:
        log.error("--dev: %s does not load:\n%s", served.path, error)
    if engine.hooks_path is not None and engine.hooks_path in changed:
        await _reload_hooks(served, state)
    if engine.templates_path is not None and _under_any(changed, engine.templates_path):
        try:
            served.load_template()
        except jinja2.TemplateError as exc:
            log.error("--dev: the page template of %s does not load (the old one stays): %s",
                      served.path, exc)
    if not errors:
        log.info("--dev: reloaded %s", served.path)
    await refresh_pages(served)


async def _reload_hooks(served: ServedApp, state: ServerState) -> None:
    try:
        await served.engine.reload_hooks(state)
    except AppLoadError as exc:
        log.error("--dev: the hooks of %s do not load (the old ones stay): %s", served.path, exc)
    except Exception:
        log.exception("--dev: a server hook of %s failed while reloading", served.path)


async def refresh_pages(served: ServedApp) -> None:
    """Tell every page of the app to reload, then end its sessions: a page that
    comes back (even to a named session) gets one built from the new code."""
    text = served.engine.reload_message()
    sessions = served.registry.sessions
    connections = [c for s in sessions for c in s.connections]
    for connection in connections:
        if text is not None:
            connection.send(text)
    await asyncio.gather(*(c.close(CLOSE_RELOADED, "app reloaded") for c in connections),
                         return_exceptions=True)
    for session in sessions:
        await served.registry.discard(session)


def _forget_modules(changed: set[Path]) -> None:
    """Modules imported from a changed file are imported afresh next time."""
    sources = {p for p in changed if p.suffix == ".py"}
    if not sources:
        return
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve() in sources and not name.startswith("aioserve"):
            del sys.modules[name]


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def _under_any(paths: Iterable[Path], root: Path) -> bool:
    return any(p.is_relative_to(root) for p in paths)


async def dev_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx entry: the watcher runs while the server does."""
    reloader = app[DEV]
    stop = asyncio.Event()
    task = asyncio.create_task(reloader.watch(stop), name="aioserve-dev-watch")
    try:
        yield
    finally:
        stop.set()  # the watcher thread sees it within one step (50 ms)
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        elif not task.cancelled() and task.exception() is not None:
            log.error("--dev: the watcher failed", exc_info=task.exception())


async def wait_for_reload(request: web.Request) -> web.StreamResponse:
    """`GET /_aioserve/dev/wait?since=N`: answers once the apps reload (or after 25 s)."""
    reloader = request.app[DEV]
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        raise web.HTTPBadRequest(text="since must be an integer") from None
    try:
        async with asyncio.timeout(WAIT_TIMEOUT_S):
            generation = await reloader.wait(since)
    except TimeoutError:
        generation = reloader.generation
    return web.json_response({"generation": generation, "changed": generation > since},
                             headers={"Cache-Control": "no-store"})


def install(app: web.Application, state: ServerState) -> None:
    """What create_app adds under --dev."""
    reloader = DevReloader(state)
    app[DEV] = reloader
    app.on_shutdown.append(reloader.release)
    app.router.add_get("/_aioserve/dev/wait", wait_for_reload, name="aioserve-dev-wait")
    app.cleanup_ctx.append(dev_context)
