"""Drive an aioserve app headlessly, in process, through the real protocol.

    from aioserve.testing import open_session

    async def test_frequency():
        async with open_session("examples/sliders.py") as s:
            await s.set(s.find(type="Slider"), value=2)
            await s.settled()
            assert s.find(name="label").text == "frequency 2.0"

With pytest, the `aioserve_session` fixture opens sessions and closes them
after the test. docs/testing.md shows the whole API.
"""

from aioserve.client import ClientError, ClientModel, PageError, SessionClosed
from aioserve.testing.page_text import html_text, page_text
from aioserve.testing.server import AppServer, open_session, start_server
from aioserve.testing.session import AppSession, CallbackError
from aioserve.testing.settle import SettleTimeout

__all__ = ["AppServer", "AppSession", "CallbackError", "ClientError", "ClientModel", "PageError",
           "SessionClosed", "SettleTimeout", "html_text", "open_session", "page_text",
           "start_server"]
