"""The server's settings: one frozen object, checked when built, and the one
function that fills what the command line left open from the environment."""

from __future__ import annotations

import logging
import os
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, Literal, Union, get_args, get_origin, get_type_hints

from aioserve.errors import ConfigError

SessionIdMode = Literal["unsigned", "signed", "external-signed"]
LogLevel = Literal["trace", "debug", "info", "warning", "error", "critical"]
EngineChoice = Literal["auto", "aioserve", "bokeh"]

SESSION_ID_MODES: Final[tuple[str, ...]] = get_args(SessionIdMode)
LOG_LEVELS: Final[tuple[str, ...]] = get_args(LogLevel)
ENGINES: Final[tuple[str, ...]] = get_args(EngineChoice)
MIN_SECRET_KEY_BYTES: Final = 32

# Lower bound and optional upper bound of each integer setting.
_INT_RANGES: Final[dict[str, tuple[int, int | None]]] = {
    "port": (0, 65535),
    "num_procs": (0, None),
    "keep_alive_ms": (0, None),
    "session_token_expiration_s": (1, None),
    "check_unused_sessions_ms": (1, None),
    "unused_session_lifetime_ms": (1, None),
    "websocket_max_message_size_bytes": (1, None),
    "websocket_compression_level": (0, 9),
    "stats_log_frequency_ms": (1, None),
    "mem_log_frequency_ms": (0, None),
    "slow_callback_ms": (0, None),
}
_ENV_ONLY: Final = {"ssl_password": "SSL_PASSWORD", "secret_key": "SECRET_KEY"}
_UNIT_SUFFIX = re.compile(r"_(ms|s|bytes)$")


def option_name(field_name: str) -> str:
    """How a user spells a Config field: `keep_alive_ms` is `--keep-alive`;
    a field set only from the environment is named by its variable."""
    if field_name in _ENV_ONLY:
        return "AIOSERVE_" + _ENV_ONLY[field_name]
    return "--" + _UNIT_SUFFIX.sub("", field_name).replace("_", "-")


@dataclass(frozen=True, kw_only=True, slots=True)
class Config:
    """Everything `aioserve serve` can be told; one field per command-line option.

    Durations and sizes carry their unit in the name. Secrets are left out of repr().
    """

    port: int = 5006
    address: str | None = None
    unix_socket: str | None = None
    prefix: str = ""
    show: bool = False
    args: tuple[str, ...] = ()
    glob: bool = False
    num_procs: int = 1
    keep_alive_ms: int = 37000
    allow_websocket_origin: tuple[str, ...] = ()
    use_xheaders: bool = False
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_password: str | None = field(default=None, repr=False)
    session_ids: SessionIdMode = "unsigned"
    secret_key: str | None = field(default=None, repr=False)
    session_token_expiration_s: int = 300
    auth_module: str | None = None
    enable_xsrf_cookies: bool = False
    cookie_secret: str | None = field(default=None, repr=False)
    include_headers: tuple[str, ...] | None = None
    exclude_headers: tuple[str, ...] | None = None
    include_cookies: tuple[str, ...] | None = None
    exclude_cookies: tuple[str, ...] | None = None
    check_unused_sessions_ms: int = 17000
    unused_session_lifetime_ms: int = 15000
    websocket_max_message_size_bytes: int = 20 * 1024 * 1024
    websocket_compression_level: int | None = None
    index: str | None = None
    disable_index: bool = False
    disable_index_redirect: bool = False
    ico_path: str | None = None
    log_level: LogLevel = "info"
    log_format: str = "%(asctime)s %(message)s"
    log_file: str | None = None
    stats_log_frequency_ms: int = 15000
    mem_log_frequency_ms: int = 0
    lazy_sessions: bool = False
    dev: bool = False
    dev_watch: tuple[str, ...] = ()
    metrics: bool = False
    engine: EngineChoice = "auto"
    show_errors: bool = False
    slow_callback_ms: int = 200

    def __post_init__(self) -> None:
        for f in fields(self):
            value = _checked_type(f.name, getattr(self, f.name), _HINTS[f.name])
            if f.name in _INT_RANGES and value is not None:
                _check_range(f.name, value, *_INT_RANGES[f.name])
            object.__setattr__(self, f.name, value)
        object.__setattr__(self, "prefix", normalise_prefix(self.prefix))
        _check_names(self)
        _check_combinations(self)

    def worker_count(self) -> int:
        """How many worker processes to run: `num_procs`, with 0 meaning one per core."""
        return self.num_procs or os.cpu_count() or 1

    @property
    def lazy_sessions_effective(self) -> bool:
        """Whether a page only mints a token and the websocket's process builds the session."""
        return self.lazy_sessions or self.worker_count() > 1

    @property
    def show_errors_effective(self) -> bool:
        """Whether visitors see error details (messages, tracebacks): --show-errors or --dev."""
        return self.show_errors or self.dev

    @property
    def signed_sessions(self) -> bool:
        """Whether session ids and tokens carry an HMAC signature."""
        return self.session_ids != "unsigned"


def normalise_prefix(prefix: str) -> str:
    """`"app/"`, `"/app"` and `"//app//"` all become `"/app"`; `"/"` becomes `""`."""
    parts = [part for part in prefix.split("/") if part]
    if any(part in (".", "..") for part in parts) or re.search(r"[?#\s]", prefix):
        raise ConfigError(f"--prefix must be a URL path such as /apps (got {prefix!r})")
    return "/" + "/".join(parts) if parts else ""


_HINTS: Final[dict[str, Any]] = get_type_hints(Config)


def _checked_type(name: str, value: Any, hint: Any) -> Any:
    """`value` if it fits `hint` (a list becomes a tuple); else a ConfigError."""
    if get_origin(hint) in (Union, types.UnionType):
        if value is None:
            return None
        (hint,) = (arg for arg in get_args(hint) if arg is not type(None))
    if get_origin(hint) is Literal:
        if value not in get_args(hint):
            choices = ", ".join(get_args(hint))
            raise ConfigError(f"{option_name(name)} must be one of {choices} (got {value!r})")
        return value
    if get_origin(hint) is tuple:
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"{option_name(name)} must be a list of strings (got {value!r})")
    if hint is int and isinstance(value, bool):
        raise ConfigError(f"{option_name(name)} must be an integer (got {value!r})")
    if not isinstance(value, hint):
        kind = {int: "an integer", bool: "true or false", str: "a string"}[hint]
        raise ConfigError(f"{option_name(name)} must be {kind} (got {value!r})")
    return value


def _check_range(name: str, value: int, low: int, high: int | None) -> None:
    if high is not None and not low <= value <= high:
        raise ConfigError(f"{option_name(name)} must be between {low} and {high} (got {value})")
    if value < low:
        bound = "> 0" if low == 1 else f">= {low}"
        raise ConfigError(f"{option_name(name)} must be {bound} (got {value})")


def _check_names(config: Config) -> None:
    """Origins are HOST[:PORT] and header/cookie names are single words."""
    for origin in config.allow_websocket_origin:
        if not origin or "/" in origin or re.search(r"\s", origin):
            raise ConfigError(
                f"--allow-websocket-origin takes HOST[:PORT] such as example.com:443, "
                f"not a URL (got {origin!r})"
            )
    for kind in ("headers", "cookies"):
        for verb in ("include", "exclude"):
            for name in getattr(config, f"{verb}_{kind}") or ():
                if not name or re.search(r"[\s,;]", name):
                    raise ConfigError(f"--{verb}-{kind} got a bad name {name!r}")
        if getattr(config, f"include_{kind}") is not None and (
            getattr(config, f"exclude_{kind}") is not None
        ):
            raise ConfigError(f"--include-{kind} and --exclude-{kind} cannot be used together")


def _check_combinations(config: Config) -> None:
    if config.signed_sessions:
        size = len((config.secret_key or "").encode())
        if size < MIN_SECRET_KEY_BYTES:
            got = f"{size} bytes" if size else "none"
            raise ConfigError(
                f"--session-ids {config.session_ids} needs a secret key of at least "
                f"{MIN_SECRET_KEY_BYTES} bytes (got {got}); "
                "run 'aioserve secret' and set AIOSERVE_SECRET_KEY"
            )
    if config.dev and config.num_procs != 1:
        raise ConfigError(
            f"--dev runs a single process; leave out --num-procs (got {config.num_procs})"
        )
    if config.dev_watch and not config.dev:
        raise ConfigError("--dev-watch only works together with --dev")
    if config.ssl_keyfile is not None and config.ssl_certfile is None:
        raise ConfigError("--ssl-keyfile needs --ssl-certfile")
    if config.unix_socket is not None:
        for name in ("address", "ssl_certfile"):
            if getattr(config, name) is not None:
                raise ConfigError(f"{option_name(name)} cannot be used with --unix-socket")
    try:
        logging.Formatter(config.log_format)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"--log-format is not a logging format: {error}") from None


def _parse_bool(variable: str, value: str) -> bool:
    word = value.strip().lower()
    if word in ("yes", "true", "on", "1"):
        return True
    if word in ("no", "false", "off", "0"):
        return False
    raise ConfigError(f"{variable} must be yes or no (got {value!r})")


def _parse_session_ids(variable: str, value: str) -> str:
    """Bokeh's BOKEH_SIGN_SESSIONS is a boolean; the mode names are accepted too."""
    if value.strip().lower() in SESSION_ID_MODES:
        return value.strip().lower()
    try:
        return "signed" if _parse_bool(variable, value) else "unsigned"
    except ConfigError:
        modes = ", ".join(SESSION_ID_MODES)
        raise ConfigError(f"{variable} must be yes, no, {modes} (got {value!r})") from None


def _parse_list(variable: str, value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _parse_str(variable: str, value: str) -> str:
    return value


# The field each variable AIOSERVE_<NAME> (or else BOKEH_<NAME>) supplies, and its parser.
ENV_VARIABLES: Final[dict[str, tuple[str, Callable[[str, str], Any]]]] = {
    "allow_websocket_origin": ("ALLOW_WS_ORIGIN", _parse_list),
    "ssl_certfile": ("SSL_CERTFILE", _parse_str),
    "ssl_keyfile": ("SSL_KEYFILE", _parse_str),
    "ssl_password": ("SSL_PASSWORD", _parse_str),
    "secret_key": ("SECRET_KEY", _parse_str),
    "session_ids": ("SIGN_SESSIONS", _parse_session_ids),
    "auth_module": ("AUTH_MODULE", _parse_str),
    "enable_xsrf_cookies": ("XSRF_COOKIES", _parse_bool),
    "cookie_secret": ("COOKIE_SECRET", _parse_str),
    "ico_path": ("ICO_PATH", _parse_str),
    "show_errors": ("SHOW_ERRORS", _parse_bool),
}


def _from_environ(environ: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(variable, value) of AIOSERVE_<name>, else of BOKEH_<name>; empty counts as unset."""
    for variable in ("AIOSERVE_" + name, "BOKEH_" + name):
        value = environ.get(variable, "")
        if value.strip():
            return variable, value
    return None


def config_from_options(options: Mapping[str, Any], environ: Mapping[str, str]) -> Config:
    """Build the Config from options keyed by field name, None meaning "not given".

    An option not given takes its value from the environment where a variable
    exists for it (see ENV_VARIABLES), else the field's default.
    """
    known = {f.name for f in fields(Config)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"unknown option {unknown[0]!r}")
    values = {name: value for name, value in options.items() if value is not None}
    for name, (suffix, parse) in ENV_VARIABLES.items():
        found = None if name in values else _from_environ(environ, suffix)
        if found is not None:
            values[name] = parse(*found)
    # The default port cannot be told from a given one once in the Config.
    if values.get("unix_socket") is not None and options.get("port") is not None:
        raise ConfigError("--port cannot be used with --unix-socket")
    return Config(**values)

