"""A Bokeh app mounted in an aiohttp site (`add_subapp`), run by gunicorn's
aiohttp worker with two workers, as tests/embed/test_site.py runs the native
embedding example."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from tests.embed.test_site import HeldWorker, http_session, two_gunicorn_workers
from tests.engines.bokeh.test_server_features import text_of
from tests.engines.bokeh.wire import BokehWire, model_id, patch_frames, token_of_page


@pytest.fixture
async def gunicorn_bokeh() -> AsyncIterator[tuple[str, set[int]]]:
    async with two_gunicorn_workers("tests.engines.bokeh.gunicorn_site:app") as (url, site):
        workers = {int(m) for m in re.findall(r"Booting worker with pid: (\d+)",
                                              "\n".join(site.lines))}
        yield url, workers


async def test_a_bokeh_app_under_gunicorn_with_two_workers(
        gunicorn_bokeh: tuple[str, set[int]]) -> None:
    base, workers = gunicorn_bokeh
    assert len(workers) == 2
    async with http_session(force_close=True) as http:
        async with http.get(base + "/") as response:
            assert (await response.text()).startswith("site home")
        # The page from one worker (held, so the page goes to the other)...
        async with HeldWorker(http, base) as held:
            page_pid = next(iter(workers - {held}))
            token = await token_of_page(http, base + "/dash/")
        async with http.get(base + "/dash/") as page:
            html = await page.text()
        # Lazy sessions: no document yet; BokehJS takes it (and the title) from the websocket.
        assert "bokeh.min.js?v=" in html and "data-root-id" not in html
        # ...BokehJS's files under the mount...
        bokehjs = re.search(r'src="([^"]+bokeh\.min\.js\?v=[0-9a-f]+)"', html)
        assert bokehjs is not None and bokehjs.group(1).startswith("/dash/static/")
        async with http.get(base + bokehjs.group(1)) as response:
            assert response.status == 200
        # ...and the websocket sent to the worker that did not make the page:
        # it builds the session from the token and speaks Bokeh's protocol.
        for _ in range(20):
            async with HeldWorker(http, base) as held:
                if held != page_pid:  # hold the page's worker
                    continue
                ws = await http.ws_connect(base + "/dash/ws", protocols=("bokeh", token),
                                           origin=base)
            break
        else:
            pytest.fail("could not hold the page's worker in 20 tries")
        wire = BokehWire(ws)
        assert (await wire.receive()).msgtype == "ACK"
        doc = await wire.pull()
        assert doc["title"] == "Bokeh under gunicorn"
        built_by = int(text_of(doc, "built_by"))
        assert built_by in workers and built_by != page_pid
        await wire.send_frames(*patch_frames(model_id(doc, "slider"), "value", 7))
        reply = await wire.receive()
        assert reply.msgtype == "PATCH-DOC"
        assert "value 7" in repr(reply.content)
        assert (await wire.receive()).msgtype == "OK"
        await ws.close()
