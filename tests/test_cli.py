import dataclasses
import os
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from aioserve.cli import cli, serve, split_app_args
from aioserve.config import Config, option_name
from aioserve.errors import AioserveError, AppLoadError, ConfigError

ROOT = Path(__file__).resolve().parents[1]
KEY = "k" * 43
Runs = list[tuple[list[str], Config]]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("AIOSERVE_", "BOKEH_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text("")


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Runs:
    """Stands in for aioserve.server.runner and records each run(apps, config)."""
    calls: Runs = []
    fake = types.ModuleType("aioserve.server.runner")
    setattr(fake, "run", lambda apps, config: calls.append((apps, config)))  # noqa: B010
    monkeypatch.setitem(sys.modules, "aioserve.server.runner", fake)
    return calls


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def served(runs: Runs, *args: str) -> Config:
    result = invoke("serve", "app.py", *args)
    assert result.exit_code == 0, result.output
    assert runs[-1][0] == ["app.py"]
    return runs[-1][1]


def error_line(result: Result) -> str:
    """The one `Error: ...` line of a failed run; no traceback around it."""
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    (line,) = result.stderr.splitlines()  # no usage block around it (README: one line)
    assert line.startswith("Error: ")
    return line


def test_every_config_field_has_one_option_and_every_option_a_field() -> None:
    params = {p.name for p in serve.params}
    expected = {f.name for f in dataclasses.fields(Config)} - {"ssl_password", "secret_key"}
    assert params == expected | {"apps"}
    assert len(serve.params) == len(params)


def test_options_are_spelled_as_in_bokeh() -> None:
    for param in serve.params:
        if isinstance(param, click.Option):
            assert param.opts == [option_name(str(param.name))]
            assert param.help


def test_no_options_give_the_config_defaults(runs: Runs) -> None:
    assert served(runs) == Config()


def test_no_apps_serve_nothing_in_particular(runs: Runs) -> None:
    assert invoke("serve").exit_code == 0
    assert runs == [([], Config())]


@pytest.mark.parametrize(
    ("args", "field", "value"),
    [
        (["--port", "0"], "port", 0),
        (["--address", "127.0.0.1"], "address", "127.0.0.1"),
        (["--unix-socket", "/tmp/a.sock"], "unix_socket", "/tmp/a.sock"),
        (["--prefix", "apps/"], "prefix", "/apps"),
        (["--show"], "show", True),
        (["--num-procs", "3"], "num_procs", 3),
        (["--keep-alive", "0"], "keep_alive_ms", 0),
        (["--allow-websocket-origin", "a.org", "--allow-websocket-origin", "b.org:81,c.org"],
         "allow_websocket_origin", ("a.org", "b.org:81", "c.org")),
        (["--use-xheaders"], "use_xheaders", True),
        (["--session-ids", "external-signed"], "session_ids", "external-signed"),
        (["--session-token-expiration", "60"], "session_token_expiration_s", 60),
        (["--enable-xsrf-cookies"], "enable_xsrf_cookies", True),
        (["--cookie-secret", "s3"], "cookie_secret", "s3"),
        (["--include-headers", "a,b", "--include-headers", "c d"], "include_headers",
         ("a", "b", "c", "d")),
        (["--exclude-headers", "Authorization"], "exclude_headers", ("Authorization",)),
        (["--include-cookies", "x"], "include_cookies", ("x",)),
        (["--exclude-cookies", "y, z"], "exclude_cookies", ("y", "z")),
        (["--check-unused-sessions", "500"], "check_unused_sessions_ms", 500),
        (["--unused-session-lifetime", "600"], "unused_session_lifetime_ms", 600),
        (["--websocket-max-message-size", "1024"], "websocket_max_message_size_bytes", 1024),
        (["--websocket-compression-level", "6"], "websocket_compression_level", 6),
        (["--disable-index"], "disable_index", True),
        (["--disable-index-redirect"], "disable_index_redirect", True),
        (["--ico-path", "none"], "ico_path", "none"),
        (["--ico-path", "app.py"], "ico_path", "app.py"),
        (["--log-level", "debug"], "log_level", "debug"),
        (["--log-format", "%(levelname)s %(message)s"], "log_format", "%(levelname)s %(message)s"),
        (["--log-file", "out.log"], "log_file", "out.log"),
        (["--stats-log-frequency", "1000"], "stats_log_frequency_ms", 1000),
        (["--mem-log-frequency", "2000"], "mem_log_frequency_ms", 2000),
        (["--lazy-sessions"], "lazy_sessions", True),
        (["--dev"], "dev", True),
        (["--dev", "--dev-watch", "app.py", "--dev-watch", "."], "dev_watch", ("app.py", ".")),
        (["--metrics"], "metrics", True),
        (["--glob"], "glob", True),
    ],
)
def test_option_sets_its_field(
    runs: Runs, monkeypatch: pytest.MonkeyPatch, args: list[str], field: str, value: Any
) -> None:
    monkeypatch.setenv("AIOSERVE_SECRET_KEY", KEY)
    assert getattr(served(runs, *args), field) == value


@pytest.mark.parametrize("option", ["--ssl-certfile", "--ssl-keyfile", "--auth-module",
                                    "--index"])
def test_file_options_take_existing_files(runs: Runs, option: str) -> None:
    args = [option, "app.py"] if option != "--ssl-keyfile" else [
        "--ssl-certfile", "app.py", option, "app.py"]
    config = served(runs, *args)
    assert getattr(config, option.removeprefix("--").replace("-", "_")) == "app.py"
    line = error_line(invoke("serve", option, "missing.pem"))
    assert "'missing.pem' does not exist" in line


def test_args_take_the_rest_of_the_command_line(runs: Runs) -> None:
    config = served(runs, "--show", "--args", "a", "--b", "c", "--port", "-x", "")
    assert config.args == ("a", "--b", "c", "--port", "-x", "")
    assert config.show and config.port == 5006


def test_args_with_equals_sign(runs: Runs) -> None:
    assert served(runs, "--args=--first", "second").args == ("--first", "second")


def test_args_may_be_empty(runs: Runs) -> None:
    assert served(runs, "--args").args == ()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["a.py"], ["a.py"]),
        (["a.py", "--args", "x", "--y"], ["a.py", "--args=x", "--args=--y"]),
        (["--args=x", "y"], ["--args=x", "--args=y"]),
        (["--", "--args", "x"], ["--", "--args", "x"]),
    ],
)
def test_split_app_args(argv: list[str], expected: list[str]) -> None:
    assert split_app_args(argv) == expected


def test_command_line_beats_environment(runs: Runs) -> None:
    env = {"AIOSERVE_COOKIE_SECRET": "env", "BOKEH_ALLOW_WS_ORIGIN": "e.org"}
    result = invoke("serve", "app.py", "--cookie-secret", "cli", env=env)
    assert result.exit_code == 0, result.output
    assert runs[-1][1].cookie_secret == "cli"
    assert runs[-1][1].allow_websocket_origin == ("e.org",)


def test_secret_key_and_signing_come_from_the_environment(runs: Runs) -> None:
    env = {"BOKEH_SECRET_KEY": KEY, "BOKEH_SIGN_SESSIONS": "true"}
    result = invoke("serve", "app.py", env=env)
    assert result.exit_code == 0, result.output
    assert (runs[-1][1].session_ids, runs[-1][1].secret_key) == ("signed", KEY)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "--port must be between 0 and 65535 (got 70000)"),
        (["--port", "abc"], "'abc' is not a valid integer"),
        (["--check-unused-sessions", "0"], "--check-unused-sessions must be > 0 (got 0)"),
        (["--keep-alive", "-1"], "--keep-alive must be >= 0 (got -1)"),
        (["--websocket-compression-level", "10"], "--websocket-compression-level must be"),
        (["--log-level", "loud"], "'loud' is not one of"),
        (["--session-ids", "signed"], "run 'aioserve secret' and set AIOSERVE_SECRET_KEY"),
        (["--include-headers", "a", "--exclude-headers", "b"], "cannot be used together"),
        (["--include-cookies", ","], "needs at least one name"),
        (["--dev", "--num-procs", "2"], "--dev runs a single process"),
        (["--dev-watch", "app.py"], "--dev-watch only works together with --dev"),
        (["--prefix", "/a/../b"], "--prefix must be a URL path"),
        (["--ico-path", "missing.ico"], "'missing.ico' does not exist"),
        (["--unix-socket", "/tmp/s", "--port", "1"], "--port cannot be used with --unix-socket"),
        (["--allow-websocket-origin", "http://a.org"], "takes HOST[:PORT]"),
        (["--log-format", "plain"], "--log-format is not a logging format"),
    ],
)
def test_invalid_values_give_one_error_line(runs: Runs, args: list[str], message: str) -> None:
    result = invoke("serve", "app.py", *args)
    assert result.exit_code == 2
    assert message in error_line(result)
    assert runs == []


def test_bad_environment_value_is_a_usage_error(runs: Runs) -> None:
    result = invoke("serve", "app.py", env={"AIOSERVE_XSRF_COOKIES": "maybe"})
    assert result.exit_code == 2
    assert "AIOSERVE_XSRF_COOKIES must be yes or no" in error_line(result)


def test_missing_app_path(runs: Runs) -> None:
    result = invoke("serve", "app.py", "nothere.py")
    assert result.exit_code == 2
    assert "app path 'nothere.py' does not exist" in error_line(result)
    assert runs == []


def test_glob_expands_patterns(runs: Runs, tmp_path: Path) -> None:
    for name in ("b.py", "c.py", "d.ipynb"):
        (tmp_path / name).write_text("")
    (tmp_path / "dir").mkdir()
    result = invoke("serve", "--glob", "*.py", "di*")
    assert result.exit_code == 0, result.output
    assert runs[-1][0] == ["app.py", "b.py", "c.py", "dir"]


def test_glob_pattern_without_match(runs: Runs) -> None:
    result = invoke("serve", "--glob", "*.nothing")
    assert result.exit_code == 2
    assert "--glob pattern '*.nothing' matches no file" in error_line(result)


def test_without_glob_patterns_are_paths(runs: Runs) -> None:
    assert "app path '*.py' does not exist" in error_line(invoke("serve", "*.py"))


def test_num_procs_refused_on_windows(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    for procs in ("0", "4"):
        line = error_line(invoke("serve", "app.py", "--num-procs", procs))
        assert "--num-procs is not supported on Windows" in line
    assert invoke("serve", "app.py", "--num-procs", "1").exit_code == 0


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (AppLoadError("app.py: no such app"), 2),
        (AioserveError("boom"), 1),
        (OSError(98, "address already in use"), 1),
        (ConfigError("--ssl-certfile: wrong password"), 2),
    ],
)
def test_library_errors_become_messages(
    monkeypatch: pytest.MonkeyPatch, error: Exception, code: int
) -> None:
    def run(apps: list[str], config: Config) -> None:
        raise error

    fake = types.ModuleType("aioserve.server.runner")
    setattr(fake, "run", run)  # noqa: B010
    monkeypatch.setitem(sys.modules, "aioserve.server.runner", fake)
    result = invoke("serve", "app.py")
    assert result.exit_code == code
    assert str(error) in error_line(result)


def test_help_does_not_need_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aioserve.server.runner", None)
    result = invoke("serve", "--help")
    assert result.exit_code == 0
    assert "--keep-alive MS" in result.output and "[default: 37000 ms]" in result.output
    assert invoke("--help").exit_code == 0


def test_secret_prints_a_new_url_safe_key() -> None:
    pytest.importorskip("aioserve.security.tokens")
    first, second = invoke("secret"), invoke("secret")
    assert first.exit_code == second.exit_code == 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}\n", first.output)
    assert first.output != second.output
    assert Config(session_ids="signed", secret_key=first.output.strip()).signed_sessions


def test_python_dash_m_runs_the_command_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "aioserve", "serve", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: aioserve serve" in done.stdout
