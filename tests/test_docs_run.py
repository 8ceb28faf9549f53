"""Docs that run: the marked code blocks of README.md and docs/*.md, run as written.

A block is marked by an HTML comment on the line before its fence:

    <!-- doc-test: serve -->        a shell block (bash, `set -e`); every `aioserve serve`
                                    in it listens on a free port and must serve its apps
    <!-- doc-test: app NAME -->     a Python app: saved as NAME and served by `aioserve serve`
    <!-- doc-test: python -->       a Python program: runs and exits with status 0
    <!-- doc-test: file NAME -->    saved as NAME beside the doc's later `pytest` blocks
    <!-- doc-test: pytest NAME -->  a test file: saved as NAME, pytest runs it (-W error)
    <!-- doc-test: skip REASON -->  not run, and the reason says why

Every fenced block in a shell or Python language must carry one of these
(checked below), so a new example cannot silently go untested.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE_LANGUAGES = {"console", "shell", "sh", "bash", "python", "py"}
KINDS = {"serve", "app", "python", "file", "pytest", "skip"}
_FENCE = re.compile(r"^```(\S*)\s*$")
_MARKER = re.compile(r"^<!-- doc-test: (\S+)\s*(.*?)\s*-->$")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # of the opening fence, 1-based
    language: str
    kind: str | None  # None: no marker
    argument: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(doc: Path) -> list[Block]:
    """Every fenced block of `doc`, with its marker when it has one."""
    lines = doc.read_text().splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        before = index - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        marker = _MARKER.match(lines[before].strip()) if before >= 0 else None
        found.append(Block(doc=doc, line=index + 1, language=fence.group(1),
                           kind=marker.group(1) if marker else None,
                           argument=marker.group(2) if marker else "",
                           text="\n".join(lines[index + 1:end]) + "\n"))
        index = end + 1
    return found


def code_blocks() -> list[Block]:
    return [b for doc in doc_files() for b in blocks(doc) if b.language in CODE_LANGUAGES]


# An `aioserve` on PATH ahead of the real one: `aioserve serve ARGS` runs the real command
# on a free port, waits for its "running at" lines, GETs every app URL it announced
# (following redirects, e.g. to a login page) and stops it; anything else is passed on.
SHIM = r"""#!{python}
import os, re, signal, ssl, subprocess, sys, threading, time, urllib.request

REAL = {real!r}
args = sys.argv[1:]
if not args or args[0] != "serve":
    os.execv(REAL, [REAL, *args])
rest = args[1:]
own = rest[:rest.index("--args")] if "--args" in rest else rest
for i, arg in enumerate(own):
    if arg == "--port":
        rest[i + 1] = "0"
    elif arg.startswith("--port="):
        rest[i] = "--port=0"
command = [REAL, "serve", "--port", "0", *rest]
server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
urls, lines = [], []

def read():
    for line in server.stderr:
        lines.append(line)
        found = re.search(r"running at: (\S+)", line)
        if found:
            urls.append(found.group(1))

threading.Thread(target=read, daemon=True).start()
deadline = time.monotonic() + 60
while not urls and server.poll() is None and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.5)  # the other apps' lines follow at once
failed = not urls
context = ssl._create_unverified_context()
for url in urls:
    url = re.sub(r"//(localhost|0\.0\.0\.0)(?=[:/])", "//127.0.0.1", url)
    try:
        with urllib.request.urlopen(url, timeout=30, context=context) as response:
            body = response.read().decode("utf-8", "replace")
            print(f"served {{url}} -> {{response.status}}")
            failed |= response.status != 200 or "Traceback" in body
    except Exception as exc:
        print(f"{{url}}: {{exc}}")
        failed = True
if server.poll() is None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
if failed:
    sys.stderr.write(" ".join(command) + " did not serve:\n" + "".join(lines))
sys.exit(1 if failed else 0)
"""


def _environ(shim_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}
    env["PATH"] = os.pathsep.join([str(shim_dir), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def shim_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    real = Path(sys.executable).parent / "aioserve"
    assert real.exists(), "aioserve is not installed beside this Python"
    shim = folder / "aioserve"
    shim.write_text(SHIM.format(python=sys.executable, real=str(real)))
    shim.chmod(0o755)
    return folder


def _run(command: list[str], env: dict[str, str], where: str, cwd: Path = ROOT,
         timeout: float = 240) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, (f"{where} failed ({done.returncode}):\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


RUNNABLE = [b for b in code_blocks() if b.kind not in (None, "skip", "file")]


def test_every_command_or_program_block_is_marked() -> None:
    unmarked = [b.where for b in code_blocks() if b.kind is None]
    assert not unmarked, ("mark each block with <!-- doc-test: KIND --> (tests/test_docs_run.py"
                          " says which): " + ", ".join(unmarked))
    unknown = [b.where for b in code_blocks() if b.kind not in KINDS]
    assert not unknown, "unknown doc-test kind at " + ", ".join(unknown)
    no_reason = [b.where for b in code_blocks() if b.kind == "skip" and not b.argument]
    assert not no_reason, "a skipped block says why: " + ", ".join(no_reason)
    assert len(RUNNABLE) >= 5


def test_the_marker_reader(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("text\n\n<!-- doc-test: app hello.py -->\n```python\nprint(1)\n```\n\n"
                   "```console\nls\n```\n")
    first, second = blocks(doc)
    assert (first.kind, first.argument, first.text, first.line) == (
        "app", "hello.py", "print(1)\n", 4)
    assert (second.kind, second.language) == (None, "console")


@pytest.mark.timeout(400)  # a block may start several servers, each building its apps
@pytest.mark.parametrize("block", RUNNABLE, ids=[b.where for b in RUNNABLE])
def test_doc_block_runs_as_written(block: Block, shim_dir: Path, tmp_path: Path) -> None:
    env = _environ(shim_dir)
    if block.kind == "serve":
        done = _run(["bash", "-euo", "pipefail", "-c", block.text], env, block.where)
        assert "served " in done.stdout or "aioserve serve" not in block.text
    elif block.kind == "app":
        app = tmp_path / block.argument
        app.write_text(block.text)
        done = _run(["aioserve", "serve", str(app)], env, block.where)
        assert "-> 200" in done.stdout
    elif block.kind == "python":
        _run([sys.executable, "-c", block.text], env, block.where)
    elif block.kind == "pytest":
        for earlier in blocks(block.doc):  # the config files the doc shows before it
            if earlier.kind == "file" and earlier.line < block.line:
                (tmp_path / earlier.argument).write_text(earlier.text)
        test_file = tmp_path / block.argument
        test_file.write_text(block.text)
        # A project of the user's: its own folder and config, the examples beside it.
        (tmp_path / "examples").symlink_to(ROOT / "examples")
        done = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                     "-W", "error", test_file.name], env, block.where, cwd=tmp_path)
        assert " passed" in done.stdout and "warning" not in done.stdout.lower()
