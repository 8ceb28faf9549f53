"""Connect to a session of a running aioserve server from Python (as `bokeh.client`).

    async with ClientSession.open("http://localhost:5006/sliders") as session:
        slider = session.document.find(type="Slider")
        await session.set(slider, "value", 2.5)
        await session.wait_for(lambda doc: doc.find(name="label").text == "frequency 2.5")

Several processes may share one named session in unsigned mode:
`ClientSession.open(url, session_id="shared")`. docs/testing.md has the rest.
"""

from aioserve.client.document import ClientDocument, ClientModel
from aioserve.client.session import (
    ClientError,
    ClientSession,
    PageError,
    SessionClosed,
    token_session_id,
)

__all__ = ["ClientDocument", "ClientError", "ClientModel", "ClientSession", "PageError",
           "SessionClosed", "token_session_id"]
