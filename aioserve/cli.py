"""The `aioserve` command: parse options, build the Config, call the library.

Each option of `serve` is named after a Config field (the second declaration),
so options and fields stay one-to-one; defaults live in Config alone.
"""

from __future__ import annotations

import glob as globbing
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from aioserve.config import ENGINES, LOG_LEVELS, SESSION_ID_MODES, Config, config_from_options
from aioserve.errors import AioserveError, AppLoadError, ConfigError

_DEFAULTS = Config()
_F = TypeVar("_F", bound=Callable[..., Any])


def split_app_args(argv: Sequence[str]) -> list[str]:
    """Turn everything after `--args` into `--args=TOKEN` so click passes it through
    untouched, as Bokeh's `nargs="..."` does: `--args a --b` gives ("a", "--b")."""
    for index, token in enumerate(argv):
        if token == "--":
            break
        if token == "--args" or token.startswith("--args="):
            rest = list(argv[index + 1 :])
            if token != "--args":
                rest.insert(0, token.removeprefix("--args="))
            return [*argv[:index], *(f"--args={item}" for item in rest)]
    return list(argv)


class BadValue(click.ClickException):
    """A bad option value or app path: `Error: ...` on one line, exit status 2.

    Click prints its usage block for every usage error; we keep that block for
    mistakes in the shape of the command line (an unknown option, a missing
    argument, an unknown command) and give a value that is wrong one line, as
    the README promises. Failures at run time (a port in use) exit with 1.
    """

    exit_code = 2


class _ServeCommand(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, split_app_args(args))
        except click.MissingParameter:
            raise  # the command line lacks something: click's usage block
        except click.BadParameter as error:  # a value click's types refused
            raise BadValue(error.format_message()) from None


def _names(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
    """Repeated values, each a comma or space separated list; None when not given."""
    if not value:
        return None
    names = tuple(name for item in value for name in re.split(r"[,\s]+", item) if name)
    if not names:
        raise click.BadParameter("needs at least one name", ctx=ctx, param=param)
    return names


def _ico_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and value != "none" and not os.path.isfile(value):
        raise click.BadParameter(f"file {value!r} does not exist", ctx=ctx, param=param)
    return value


def _default(name: str, unit: str = "") -> str:
    """The "[default: ...]" note of a help text, read from Config."""
    return f"  [default: {getattr(_DEFAULTS, name)}{unit}]"


_EXISTING_FILE = click.Path(exists=True, dir_okay=False)
_FLAG: dict[str, Any] = {"is_flag": True, "default": None}  # None: not given


def _header_and_cookie_options(command: _F) -> _F:
    for kind in ("cookies", "headers"):
        for verb in ("exclude", "include"):
            command = click.option(
                f"--{verb}-{kind}", f"{verb}_{kind}", multiple=True, metavar="NAMES",
                callback=_names,
                help=f"Request {kind} the session sees: {verb} these (comma or space "
                "separated, repeatable).  [default: all]",
            )(command)
    return command


def _app_paths(apps: Sequence[str], expand_globs: bool) -> list[str]:
    """The app paths to serve; each must exist (each pattern match) before the server starts."""
    paths: list[str] = []
    for app in apps:
        if expand_globs:
            matches = sorted(globbing.glob(app))
            if not matches:
                raise BadValue(f"--glob pattern {app!r} matches no file")
            paths.extend(matches)
        elif os.path.exists(app):
            paths.append(app)
        else:
            raise BadValue(f"app path {app!r} does not exist")
    return paths


def _on_windows() -> bool:
    return sys.platform == "win32"


@click.command(cls=_ServeCommand)
@click.argument("apps", nargs=-1, metavar="[APPS]...")
@click.option("--port", "port", type=int, metavar="PORT",
              help="Port to listen on; 0 picks a free one (the log reports it)."
              + _default("port"))
@click.option("--address", "address", metavar="ADDRESS",
              help="Address to bind.  [default: all interfaces]")
@click.option("--unix-socket", "unix_socket", metavar="PATH",
              help="Serve on this unix socket instead of a TCP port.")
@click.option("--prefix", "prefix", metavar="PREFIX", help="URL prefix of every route.")
@click.option("--show", "show", **_FLAG,
              help="Open each app in a browser once the server listens.")
@click.option("--args", "args", multiple=True, metavar="...",
              help="Everything after --args becomes sys.argv[1:] of every app; put it last.")
@click.option("--glob", "glob", **_FLAG, help="Expand APPS as glob patterns.")
@click.option("--num-procs", "num_procs", type=int, metavar="N",
              help="Worker processes; 0 starts one per CPU core. Not on Windows."
              + _default("num_procs"))
@click.option("--keep-alive", "keep_alive_ms", type=int, metavar="MS",
              help="Ping an idle websocket after this many ms and drop it when no pong "
              "comes; 0 disables."
              + _default("keep_alive_ms", " ms"))
@click.option("--allow-websocket-origin", "allow_websocket_origin", multiple=True,
              metavar="HOST[:PORT]", callback=_names,
              help="A host whose pages may open websockets (repeatable).  [env: "
              "AIOSERVE_ALLOW_WS_ORIGIN, comma list; default: localhost on the server's port]")
@click.option("--use-xheaders", "use_xheaders", **_FLAG,
              help="Trust X-Real-Ip, X-Forwarded-For, X-Scheme and X-Forwarded-Proto.")
@click.option("--ssl-certfile", "ssl_certfile", type=_EXISTING_FILE, metavar="FILE",
              help="TLS certificate, which may also hold the key.  [env: AIOSERVE_SSL_CERTFILE;"
              " key password from AIOSERVE_SSL_PASSWORD]")
@click.option("--ssl-keyfile", "ssl_keyfile", type=_EXISTING_FILE, metavar="FILE",
              help="TLS private key.  [env: AIOSERVE_SSL_KEYFILE]")
@click.option("--session-ids", "session_ids", type=click.Choice(SESSION_ID_MODES),
              help="How session ids are made and checked; the signed modes need "
              "AIOSERVE_SECRET_KEY.  [env: AIOSERVE_SIGN_SESSIONS]"
              + _default("session_ids"))
@click.option("--session-token-expiration", "session_token_expiration_s", type=int,
              metavar="SECONDS", help="How long (seconds) a new token may create a session."
              + _default("session_token_expiration_s", " s"))
@click.option("--auth-module", "auth_module", type=_EXISTING_FILE, metavar="FILE",
              help="Python file with the auth hooks.  [env: AIOSERVE_AUTH_MODULE]")
@click.option("--enable-xsrf-cookies", "enable_xsrf_cookies", **_FLAG,
              help="Require an XSRF token on unsafe requests.  [env: AIOSERVE_XSRF_COOKIES=yes]")
@click.option("--cookie-secret", "cookie_secret", metavar="SECRET",
              help="Key of the encrypted cookies that auth modules use.  "
              "[env: AIOSERVE_COOKIE_SECRET]")
@_header_and_cookie_options
@click.option("--check-unused-sessions", "check_unused_sessions_ms", type=int, metavar="MS",
              help="How often (ms) to look for unused sessions."
              + _default("check_unused_sessions_ms", " ms"))
@click.option("--unused-session-lifetime", "unused_session_lifetime_ms", type=int,
              metavar="MS", help="How long (ms) a session without connections lives."
              + _default("unused_session_lifetime_ms", " ms"))
@click.option("--websocket-max-message-size", "websocket_max_message_size_bytes", type=int,
              metavar="BYTES", help="Largest websocket message (bytes) accepted."
              + _default("websocket_max_message_size_bytes", " bytes"))
@click.option("--websocket-compression-level", "websocket_compression_level", type=int,
              metavar="0-9",
              help="Compress websocket messages at this zlib level.  [default: off]")
@click.option("--index", "index", type=_EXISTING_FILE, metavar="FILE",
              help="Template of the index page at the root.  [default: built-in]")
@click.option("--disable-index", "disable_index", **_FLAG,
              help="Serve no index page at the root.")
@click.option("--disable-index-redirect", "disable_index_redirect", **_FLAG,
              help="Do not redirect the root to the only app.")
@click.option("--ico-path", "ico_path", metavar="FILE", callback=_ico_path,
              help="favicon.ico to serve, or 'none' for no icon.  [env: AIOSERVE_ICO_PATH; "
              "default: built-in]")
@click.option("--log-level", "log_level", type=click.Choice(LOG_LEVELS),
              help="Least severe level logged."
              + _default("log_level"))
@click.option("--log-format", "log_format", metavar="FORMAT",
              help="Python logging format string."
              + _default("log_format"))
@click.option("--log-file", "log_file", metavar="FILE",
              help="Write the log to this file.  [default: stderr]")
@click.option("--stats-log-frequency", "stats_log_frequency_ms", type=int, metavar="MS",
              help="How often (ms) to log connection and session counts."
              + _default("stats_log_frequency_ms", " ms"))
@click.option("--mem-log-frequency", "mem_log_frequency_ms", type=int, metavar="MS",
              help="How often (ms) to log memory use; 0 turns it off.  [default: 0 (off)]")
@click.option("--lazy-sessions", "lazy_sessions", **_FLAG,
              help="Pages only mint a token; the process that receives the websocket builds "
              "the session.  [default: on when more than one process runs]")
@click.option("--dev", "dev", **_FLAG,
              help="Reload apps when their files change and refresh the browser (one process).")
@click.option("--dev-watch", "dev_watch", type=click.Path(exists=True), multiple=True,
              metavar="PATH", help="Another file or folder to watch under --dev (repeatable).")
@click.option("--metrics", "metrics", **_FLAG,
              help="Serve Prometheus metrics at /_aioserve/metrics.")
@click.option("--engine", "engine", type=click.Choice(ENGINES),
              help="What serves the apps: aioserve's own documents, or unmodified Bokeh "
              "apps (needs aioserve[bokeh]); auto reads each app's imports.  [default: auto]")
@click.option("--show-errors", "show_errors", **_FLAG,
              help="Show error details (messages, tracebacks) to visitors; otherwise they "
              "get a generic message and an error id the log also has.  "
              "[env: AIOSERVE_SHOW_ERRORS=yes; default: off, on with --dev]")
@click.option("--slow-callback", "slow_callback_ms", type=int, metavar="MS",
              help="Warn (and count in --metrics) when a callback or app build holds the "
              "event loop longer than this; 0 turns it off."
              + _default("slow_callback_ms", " ms"))
def serve(apps: tuple[str, ...], **options: Any) -> None:
    """Serve APPS: .py scripts, .ipynb notebooks or app directories.

    Without APPS, an empty document is served at /.
    """
    if _on_windows() and options["num_procs"] not in (None, 1):
        raise BadValue("--num-procs is not supported on Windows")
    try:
        config = config_from_options(options, os.environ)
    except ConfigError as error:
        raise BadValue(str(error)) from None
    paths = _app_paths(apps, config.glob)

    from aioserve.server.runner import run

    try:
        run(paths, config)
    except (ConfigError, AppLoadError) as error:  # an option or an app the server cannot use
        raise BadValue(str(error)) from None
    except (AioserveError, OSError) as error:  # the server could not run (e.g. a port in use)
        raise click.ClickException(str(error)) from None


@click.command()
def secret() -> None:
    """Print a new random secret key for AIOSERVE_SECRET_KEY."""
    from aioserve.security.tokens import generate_secret_key

    click.echo(generate_secret_key())


@click.group(name="aioserve", context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Serve interactive Python apps to browsers, as `bokeh serve` does."""


cli.add_command(serve)
cli.add_command(secret)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the `aioserve` command and exit with its status."""
    cli.main(args=None if argv is None else list(argv), prog_name="aioserve")
