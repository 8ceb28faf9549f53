"""What goes wrong in one app's sessions, as the log and the visitor see it.

- An error a visitor could see gets a short error id, which the log line carries too.
- Details (message, traceback) reach the visitor only with `--show-errors` (or `--dev`).
- A callback that keeps raising the same error logs its traceback once, then at most
  one count line a minute (per session, callback and exception type); a session's
  pending count is written when it ends. Memory is bounded: the oldest entries go.
- A callback or app build that holds the event loop longer than `--slow-callback` ms
  logs a warning naming the app, the session and the callback, and is counted.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("aioserve.server")

REPEAT_LOG_INTERVAL_S = 60.0
MAX_TRACKED_ERRORS = 1024  # (session, callback, error type) entries kept for rate-limiting
GENERIC_CALLBACK_ERROR = "Something went wrong in this app."
GENERIC_BUILD_ERROR = "This app failed to load."
RUN_BLOCKING_HINT = "run blocking work with `await aioserve.run_blocking(fn, ...)`"


def new_error_id() -> str:
    """Eight hex digits: short enough to read out, enough to find in a day's log."""
    return secrets.token_hex(4)


def callable_name(callback: Any) -> str:
    """`module.Qual.name` of a function, method or partial; repr() of anything else."""
    while isinstance(callback, functools.partial):
        callback = callback.func
    qualname = getattr(callback, "__qualname__", None)
    if not isinstance(qualname, str):
        return repr(callback)
    module = getattr(callback, "__module__", None)
    # Per-session app modules have random names (aioserve_app_<hex>, Bokeh's
    # bokeh_app_<hex>): leave them out.
    if isinstance(module, str) and not module.startswith(("aioserve_app_", "bokeh_app_")):
        return f"{module}.{qualname}"
    return qualname


@dataclass(slots=True)
class _Repeats:
    error_id: str
    logged_at: float
    unlogged: int = 0  # occurrences since the last line


class AppIncidents:
    """One per served app; its sessions report errors and slow callbacks here."""

    def __init__(self, app_path: str, *, show_errors: bool = False,
                 slow_callback_ms: int = 200,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app_path = app_path
        self.show_errors = show_errors
        # None: the watchdog is off (--slow-callback 0).
        self.slow_callback_s = slow_callback_ms / 1000 if slow_callback_ms > 0 else None
        self.slow_callbacks = 0  # what --metrics reports
        self._clock = clock
        self._repeats: OrderedDict[tuple[str, str, str], _Repeats] = OrderedDict()

    @property
    def tracked_errors(self) -> int:
        """How many (session, callback, error type) entries the rate limit keeps."""
        return len(self._repeats)

    # ---- callback errors

    def callback_failed(self, session_id: str, exc: BaseException, callback: Any) -> str:
        """Log the error (rate-limited) and return what the session's pages are told."""
        name = callable_name(callback)
        kind = type(exc).__qualname__
        key = (session_id, name, kind)
        now = self._clock()
        seen = self._repeats.get(key)
        if seen is None:
            seen = _Repeats(new_error_id(), now)
            self._remember(key, seen)
            log.error("Error in callback %s of session %s of app %s (error id %s)", name,
                      session_id, self.app_path, seen.error_id, exc_info=exc)
        else:
            self._repeats.move_to_end(key)
            seen.unlogged += 1
            if now - seen.logged_at >= REPEAT_LOG_INTERVAL_S:
                self._log_repeats(key, seen, f"in the last {now - seen.logged_at:.0f} s")
                seen.logged_at = now
        if self.show_errors:
            return f"Error in {name}: {kind}: {exc} (error id {seen.error_id})"
        return f"{GENERIC_CALLBACK_ERROR} Error id: {seen.error_id}"

    def session_ended(self, session_id: str) -> None:
        """Write the counts not yet written for a session, and forget its entries."""
        for key in [k for k in self._repeats if k[0] == session_id]:
            seen = self._repeats.pop(key)
            if seen.unlogged:
                self._log_repeats(key, seen, "before the session ended")

    def _remember(self, key: tuple[str, str, str], seen: _Repeats) -> None:
        self._repeats[key] = seen
        while len(self._repeats) > MAX_TRACKED_ERRORS:
            old_key, old = self._repeats.popitem(last=False)
            if old.unlogged:
                self._log_repeats(old_key, old, "(no longer tracked)")

    def _log_repeats(self, key: tuple[str, str, str], seen: _Repeats, when: str) -> None:
        session_id, name, kind = key
        log.error("Error in callback %s of session %s of app %s: %s repeated %d more "
                  "time%s %s (error id %s)", name, session_id, self.app_path, kind,
                  seen.unlogged, "" if seen.unlogged == 1 else "s", when, seen.error_id)
        seen.unlogged = 0

    # ---- the loop watchdog

    def callback_slow(self, session_id: str, callback: Any, seconds: float) -> None:
        self.slow_callbacks += 1
        log.warning("Slow callback %s of session %s of app %s held the event loop for "
                    "%.0f ms (--slow-callback %.0f ms); %s", callable_name(callback),
                    session_id, self.app_path, seconds * 1000, self._threshold_ms(),
                    RUN_BLOCKING_HINT)

    def build_held(self, session_id: str, seconds: float) -> None:
        """A session's build held the loop `seconds` at most in one go: a WARNING
        when that is past the watchdog's threshold (both engines report here)."""
        if self.slow_callback_s is None or seconds <= self.slow_callback_s:
            return
        self.slow_callbacks += 1
        log.warning("Slow app build: app %s held the event loop for %.0f ms building "
                    "session %s (--slow-callback %.0f ms); %s", self.app_path,
                    seconds * 1000, session_id, self._threshold_ms(), RUN_BLOCKING_HINT)

    def _threshold_ms(self) -> float:
        return (self.slow_callback_s or 0) * 1000

    # ---- errors outside callbacks

    def public_message(self, exc: BaseException, error_id: str,
                       generic: str = GENERIC_BUILD_ERROR) -> str:
        """What a visitor is told of `exc`: details only with --show-errors."""
        if self.show_errors:
            return f"{type(exc).__name__}: {exc} (error id {error_id})"
        return f"{generic} Error id: {error_id}"
