"""The pytest plugin, as a user's project gets it: through the installed entry point."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

USER_TESTS = '''
import pytest
from aioserve.models import Button, Div, Column

def app(doc):
    count = Div(text="0", name="count")
    button = Button(label="Add")
    button.on_click(lambda: setattr(count, "text", str(int(count.text) + 1)))
    doc.add_root(Column(button, count))

CLOSED = []

@pytest.mark.asyncio
async def test_session_fixture(aioserve_session):
    s = await aioserve_session(app)
    await s.click(s.find(label="Add"))
    await s.settled()
    assert s.find(name="count").text == "1"
    CLOSED.append(s)

def test_the_session_was_closed_after_the_test():
    (s,) = CLOSED
    assert s.client.closed is not None and s.server.states()[0].draining

@pytest.mark.asyncio
async def test_server_fixture(aioserve_server):
    server = await aioserve_server({"/counter": app})
    a = await server.open_session(session_id="shared")
    b = await server.open_session(session_id="shared")
    await a.click(a.find(label="Add"))
    await a.settled()
    await b.settled()
    assert b.find(name="count").text == "1"  # a and b are closed with the server

@pytest.mark.asyncio
async def test_the_examples_work_from_the_users_side(aioserve_session):
    s = await aioserve_session(SLIDERS)
    await s.set(s.find(type="Slider"), value=3)
    await s.settled()
    assert s.find(name="label").text == "frequency 3.0"
'''


@pytest.mark.timeout(60)
def test_fixtures_come_from_the_entry_point_in_strict_mode(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(textwrap.dedent("""
        [pytest]
        asyncio_mode = strict
        asyncio_default_fixture_loop_scope = function
        filterwarnings = error
    """))
    sliders = REPO / "examples" / "sliders.py"
    (tmp_path / "test_user_app.py").write_text(f"SLIDERS = {str(sliders)!r}\n" + USER_TESTS)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=50)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
