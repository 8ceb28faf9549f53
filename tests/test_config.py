import dataclasses
from typing import Any

import pytest

from aioserve.config import ENV_VARIABLES, Config, config_from_options, option_name
from aioserve.errors import ConfigError

KEY = "k" * 32


def test_defaults_are_bokehs() -> None:
    config = Config()
    assert (config.port, config.prefix, config.num_procs) == (5006, "", 1)
    assert (config.keep_alive_ms, config.check_unused_sessions_ms) == (37000, 17000)
    assert (config.unused_session_lifetime_ms, config.stats_log_frequency_ms) == (15000, 15000)
    assert config.websocket_max_message_size_bytes == 20 * 1024 * 1024
    assert (config.session_ids, config.session_token_expiration_s) == ("unsigned", 300)
    assert (config.log_level, config.log_format) == ("info", "%(asctime)s %(message)s")


def test_config_is_frozen_and_hashable() -> None:
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.port = 1  # type: ignore[misc]
    assert hash(config) == hash(Config())


def test_secrets_stay_out_of_repr() -> None:
    config = Config(
        session_ids="signed", secret_key=KEY, ssl_password="pass-123", cookie_secret="cookie-123"
    )
    assert not any(secret in repr(config) for secret in (KEY, "pass-123", "cookie-123"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": -1}, "--port must be between 0 and 65535 (got -1)"),
        ({"port": 65536}, "--port must be between 0 and 65535 (got 65536)"),
        ({"port": "80"}, "--port must be an integer (got '80')"),
        ({"port": True}, "--port must be an integer (got True)"),
        ({"num_procs": -1}, "--num-procs must be >= 0 (got -1)"),
        ({"keep_alive_ms": -5}, "--keep-alive must be >= 0 (got -5)"),
        ({"check_unused_sessions_ms": 0}, "--check-unused-sessions must be > 0 (got 0)"),
        ({"unused_session_lifetime_ms": 0}, "--unused-session-lifetime must be > 0 (got 0)"),
        ({"session_token_expiration_s": 0}, "--session-token-expiration must be > 0 (got 0)"),
        ({"websocket_max_message_size_bytes": 0}, "--websocket-max-message-size must be > 0"),
        ({"websocket_compression_level": 10}, "--websocket-compression-level must be between"),
        ({"stats_log_frequency_ms": 0}, "--stats-log-frequency must be > 0 (got 0)"),
        ({"mem_log_frequency_ms": -1}, "--mem-log-frequency must be >= 0 (got -1)"),
        ({"log_level": "loud"}, "--log-level must be one of trace, debug, info"),
        ({"session_ids": "maybe"}, "--session-ids must be one of unsigned, signed"),
        ({"show": "yes"}, "--show must be true or false (got 'yes')"),
        ({"address": 1}, "--address must be a string (got 1)"),
        ({"args": "a b"}, "--args must be a list of strings"),
        ({"allow_websocket_origin": ["http://x.org"]}, "--allow-websocket-origin takes HOST"),
        ({"include_headers": ["a,b"]}, "--include-headers got a bad name 'a,b'"),
        ({"prefix": "/a/../b"}, "--prefix must be a URL path"),
        ({"prefix": "/a?b"}, "--prefix must be a URL path"),
        ({"log_format": "no fields"}, "--log-format is not a logging format"),
        ({"dev": True, "num_procs": 2}, "--dev runs a single process"),
        ({"dev": True, "num_procs": 0}, "--dev runs a single process"),
        ({"dev_watch": ["x.css"]}, "--dev-watch only works together with --dev"),
        ({"ssl_keyfile": "k.pem"}, "--ssl-keyfile needs --ssl-certfile"),
        ({"unix_socket": "/s", "address": "::1"}, "--address cannot be used with --unix-socket"),
        (
            {"unix_socket": "/s", "ssl_certfile": "c"},
            "--ssl-certfile cannot be used with --unix-socket",
        ),
    ],
)
def test_invalid_values_raise_config_error(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config(**options)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("kind", "include", "exclude"), [("headers", ("a",), ("b",)), ("cookies", (), ("b",))]
)
def test_include_and_exclude_of_one_kind_conflict(
    kind: str, include: tuple[str, ...], exclude: tuple[str, ...]
) -> None:
    with pytest.raises(ConfigError, match=f"--include-{kind} and --exclude-{kind} cannot"):
        options: dict[str, Any] = {f"include_{kind}": include, f"exclude_{kind}": exclude}
        Config(**options)


def test_include_headers_and_exclude_cookies_combine() -> None:
    config = Config(include_headers=("a",), exclude_cookies=("b",))
    assert (config.include_headers, config.exclude_cookies) == (("a",), ("b",))


@pytest.mark.parametrize("mode", ["signed", "external-signed"])
@pytest.mark.parametrize(("key", "got"), [(None, "none"), ("", "none"), ("k" * 31, "31 bytes")])
def test_signed_modes_need_a_long_secret_key(mode: str, key: str | None, got: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config(session_ids=mode, secret_key=key)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"--session-ids {mode} needs a secret key of at least 32 bytes (got {got}); "
        "run 'aioserve secret' and set AIOSERVE_SECRET_KEY"
    )


def test_secret_key_length_counts_utf8_bytes() -> None:
    assert Config(session_ids="signed", secret_key="é" * 16).signed_sessions
    with pytest.raises(ConfigError):
        Config(session_ids="signed", secret_key="é" * 15 + "k")


def test_unsigned_mode_needs_no_key() -> None:
    assert not Config(secret_key="short").signed_sessions


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("", ""),
        ("/", ""),
        ("app", "/app"),
        ("/app/", "/app"),
        ("//a//b//", "/a/b"),
        ("/a/b", "/a/b"),
    ],
)
def test_prefix_is_normalised(given: str, normalised: str) -> None:
    assert Config(prefix=given).prefix == normalised
    assert dataclasses.replace(Config(prefix=given)).prefix == normalised


def test_lists_become_tuples() -> None:
    config = Config(args=["a", "--b"], allow_websocket_origin=["x.org:80"])  # type: ignore[arg-type]
    assert config.args == ("a", "--b") and config.allow_websocket_origin == ("x.org:80",)


@pytest.mark.parametrize(
    ("num_procs", "lazy", "cpus", "workers", "effective"),
    [(1, False, 8, 1, False), (1, True, 8, 1, True), (3, False, 8, 3, True), (0, False, 4, 4, True),
     (0, False, 1, 1, False), (0, False, None, 1, False)],
)
def test_worker_count_and_lazy_sessions(
    monkeypatch: pytest.MonkeyPatch,
    num_procs: int, lazy: bool, cpus: int | None, workers: int, effective: bool,
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    config = Config(num_procs=num_procs, lazy_sessions=lazy)
    assert config.worker_count() == workers
    assert config.lazy_sessions_effective is effective


@pytest.mark.parametrize(
    ("field", "option"),
    [("port", "--port"), ("keep_alive_ms", "--keep-alive"),
     ("session_token_expiration_s", "--session-token-expiration"),
     ("websocket_max_message_size_bytes", "--websocket-max-message-size"),
     ("allow_websocket_origin", "--allow-websocket-origin"),
     ("secret_key", "AIOSERVE_SECRET_KEY"), ("ssl_password", "AIOSERVE_SSL_PASSWORD")],
)
def test_option_name(field: str, option: str) -> None:
    assert option_name(field) == option


def test_env_variables_name_config_fields() -> None:
    assert set(ENV_VARIABLES) <= {f.name for f in dataclasses.fields(Config)}


@pytest.mark.parametrize(
    ("options", "environ", "field", "expected"),
    [
        # Neither given: the default.
        ({}, {}, "cookie_secret", None),
        # BOKEH_ alone is honoured.
        ({}, {"BOKEH_COOKIE_SECRET": "b"}, "cookie_secret", "b"),
        # AIOSERVE_ beats BOKEH_.
        ({}, {"BOKEH_COOKIE_SECRET": "b", "AIOSERVE_COOKIE_SECRET": "a"}, "cookie_secret", "a"),
        # An empty AIOSERVE_ counts as unset.
        ({}, {"BOKEH_COOKIE_SECRET": "b", "AIOSERVE_COOKIE_SECRET": ""}, "cookie_secret", "b"),
        # The command line beats both.
        (
            {"cookie_secret": "c"},
            {"BOKEH_COOKIE_SECRET": "b", "AIOSERVE_COOKIE_SECRET": "a"},
            "cookie_secret",
            "c",
        ),
        # None in options means "not given".
        ({"cookie_secret": None}, {"AIOSERVE_COOKIE_SECRET": "a"}, "cookie_secret", "a"),
        ({}, {"AIOSERVE_ALLOW_WS_ORIGIN": "a.org, b.org:8080,"}, "allow_websocket_origin",
         ("a.org", "b.org:8080")),
        ({"allow_websocket_origin": ("c.org",)}, {"AIOSERVE_ALLOW_WS_ORIGIN": "a.org"},
         "allow_websocket_origin", ("c.org",)),
        ({}, {"BOKEH_SSL_CERTFILE": "c.pem", "BOKEH_SSL_KEYFILE": "k.pem"}, "ssl_keyfile",
         "k.pem"),
        ({}, {"AIOSERVE_SSL_CERTFILE": "c.pem"}, "ssl_certfile", "c.pem"),
        ({}, {"AIOSERVE_SSL_PASSWORD": "pw"}, "ssl_password", "pw"),
        ({}, {"BOKEH_AUTH_MODULE": "auth.py"}, "auth_module", "auth.py"),
        ({}, {"AIOSERVE_ICO_PATH": "none"}, "ico_path", "none"),
        ({}, {"BOKEH_XSRF_COOKIES": "yes"}, "enable_xsrf_cookies", True),
        ({}, {"AIOSERVE_XSRF_COOKIES": "no", "BOKEH_XSRF_COOKIES": "yes"}, "enable_xsrf_cookies",
         False),
        ({"enable_xsrf_cookies": False}, {"AIOSERVE_XSRF_COOKIES": "yes"}, "enable_xsrf_cookies",
         False),
        ({}, {"BOKEH_SECRET_KEY": KEY}, "secret_key", KEY),
        ({}, {"BOKEH_SIGN_SESSIONS": "yes", "BOKEH_SECRET_KEY": KEY}, "session_ids", "signed"),
        ({}, {"BOKEH_SIGN_SESSIONS": "True", "BOKEH_SECRET_KEY": KEY}, "session_ids", "signed"),
        ({}, {"AIOSERVE_SIGN_SESSIONS": "0", "BOKEH_SIGN_SESSIONS": "1"}, "session_ids",
         "unsigned"),
        ({}, {"AIOSERVE_SIGN_SESSIONS": "external-signed", "AIOSERVE_SECRET_KEY": KEY},
         "session_ids", "external-signed"),
        ({"session_ids": "unsigned"}, {"AIOSERVE_SIGN_SESSIONS": "yes"}, "session_ids",
         "unsigned"),
        # Options without an environment variable ignore look-alike variables.
        ({}, {"AIOSERVE_PORT": "1", "BOKEH_PORT": "2"}, "port", 5006),
    ],
)
def test_environment_fallbacks(
    options: dict[str, Any], environ: dict[str, str], field: str, expected: object
) -> None:
    assert getattr(config_from_options(options, environ), field) == expected


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"AIOSERVE_XSRF_COOKIES": "maybe"}, "AIOSERVE_XSRF_COOKIES must be yes or no"),
        ({"BOKEH_SIGN_SESSIONS": "maybe"}, "BOKEH_SIGN_SESSIONS must be yes, no, unsigned"),
        ({"BOKEH_SIGN_SESSIONS": "yes"}, "needs a secret key of at least 32 bytes (got none)"),
        ({"AIOSERVE_SIGN_SESSIONS": "yes", "AIOSERVE_SECRET_KEY": "short"}, "(got 5 bytes)"),
    ],
)
def test_bad_environment_values(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config_from_options({}, environ)


def test_options_keep_their_values() -> None:
    config = config_from_options({"port": 0, "prefix": "x/", "args": ("a",), "show": None}, {})
    assert (config.port, config.prefix, config.args, config.show) == (0, "/x", ("a",), False)


def test_unknown_option_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown option 'portt'"):
        config_from_options({"portt": 1}, {})


def test_port_and_unix_socket_exclude_each_other() -> None:
    with pytest.raises(ConfigError, match="--port cannot be used with --unix-socket"):
        config_from_options({"unix_socket": "/tmp/s", "port": 5006}, {})
    assert config_from_options({"unix_socket": "/tmp/s"}, {}).unix_socket == "/tmp/s"
