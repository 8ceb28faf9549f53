"""A wheel that works: `python -m build` makes a wheel and an sdist that `twine check`
passes; the wheel, installed into a fresh venv, serves an app with its page template
and its static files.

The fresh venv has no pip and no aioserve of its own; the dev venv's pip installs the
wheel into it without dependencies, and a .pth file lends it the dev venv's
site-packages for the dependencies only (this works offline; the dev venv's aioserve
is an editable install, whose hook a lent folder does not run). The test checks that
`aioserve` is imported from the wheel's files, not from this repository.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_PYTHON = sys.executable


def run(*command: str | Path, cwd: Path, timeout: float = 180) -> str:
    started = time.monotonic()
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    print(f"{time.monotonic() - started:5.1f} s  {' '.join(str(c) for c in command[:4])}")
    return done.stdout


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


@pytest.mark.timeout(400)  # a build and two installs: slow on a loaded machine
def test_the_wheel_installs_into_a_fresh_venv_and_serves(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # --no-isolation: hatchling comes from the dev extra, so nothing is downloaded.
    run(DEV_PYTHON, "-m", "build", "--no-isolation", "--outdir", dist, ROOT, cwd=tmp_path)
    (wheel,) = dist.glob("aioserve-*.whl")
    (sdist,) = dist.glob("aioserve-*.tar.gz")
    assert "PASSED" in run(DEV_PYTHON, "-m", "twine", "check", wheel, sdist, cwd=tmp_path)

    venv = tmp_path / "venv"
    run(DEV_PYTHON, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    fresh_site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                          cwd=tmp_path).strip())
    (fresh_site / "dev_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(DEV_PYTHON, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--disable-pip-version-check", wheel, cwd=tmp_path)

    where = run(python, "-c", "import aioserve, pathlib; print(pathlib.Path(aioserve.__file__)"
                ".parent)", cwd=tmp_path).strip()
    assert Path(where) == fresh_site / "aioserve", where
    assert (fresh_site / "aioserve" / "templates" / "page.html").is_file()

    app = tmp_path / "hello.py"
    app.write_text("from aioserve import curdoc\nfrom aioserve.models import Div\n"
                   "curdoc().title = 'From the wheel'\ncurdoc().add_root(Div(text='hello'))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}
    server = subprocess.Popen([venv / "bin" / "aioserve", "serve", app, "--port", "0",
                               "--address", "127.0.0.1"], cwd=tmp_path, env=env,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline:
            line = server.stderr.readline()
            assert line, "the server exited before serving"
            found = re.search(r"running at: (\S+)", line)
            url = found.group(1) if found else None
        assert url is not None
        status, page = get(url)
        assert status == 200 and b"<title>From the wheel</title>" in page
        scripts = re.findall(rb'src="([^"]*/static/[^"]+\.js)"', page)
        assert scripts, page[:500]
        base = url.rsplit("/", 1)[0]
        for src in scripts:
            status, body = get(base + src.decode() if src.startswith(b"/") else src.decode())
            assert status == 200 and len(body) > 100
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()
