"""ClientSession.reconnect: resume the session the document came from, pull a rebuilt one."""

from __future__ import annotations

import time

import pytest

from aioserve import Document
from aioserve.client import ClientSession, SessionClosed
from aioserve.models import Button, Column, Div
from aioserve.testing import AppServer, start_server


def counter(doc: Document) -> None:
    count = Div(text="0", name="count")
    add = Button(label="Add", name="add")
    add.on_click(lambda: setattr(count, "text", str(int(count.text) + 1)))
    doc.add_root(Column(add, count))


def count_of(session: ClientSession) -> str:
    return str(session.document.find(name="count").text)


async def add(session: ClientSession, times: int = 1) -> None:
    expected = str(int(count_of(session)) + times)
    for _ in range(times):
        await session.click(session.document.find(name="add"))
    await session.wait_for(lambda doc: doc.find(name="count").text == expected)


async def drop(session: ClientSession) -> None:
    """Lose the websocket, as a network blip would; the session object stays usable."""
    await session.ws.close()
    with pytest.raises(SessionClosed):
        await session.wait_for(lambda doc: False, timeout=5)


async def reap(server: AppServer) -> int:
    (state,) = server.states()
    (served,) = state.apps.values()
    return await served.registry.reap(time.monotonic() + 3600, 0)


async def test_reconnect_resumes_the_same_session_with_the_missed_patches() -> None:
    async with start_server(counter) as server, \
            ClientSession.open(server.url + "/") as session:
        await add(session)
        instance, kept = session.instance, session.document.find(name="count")
        assert instance is not None and session.messages[0]["instance"] == instance
        await drop(session)
        async with ClientSession.open(server.url + "/", session_id=session.id) as other:
            await add(other, 2)  # changes made while the first one was away
        received = len(session.messages)

        await session.reconnect()
        new = [m["type"] for m in session.messages[received:]]
        assert new == ["ack", "patch", "patch", "resumed"]  # only what it missed
        assert session.instance == instance
        assert count_of(session) == "3"
        assert session.document.find(name="count") is kept  # the same copy, patched
        await add(session)  # and it works as before
        assert count_of(session) == "4"


async def test_reconnect_onto_a_rebuilt_session_pulls_the_whole_document() -> None:
    async with start_server(counter) as server, \
            ClientSession.open(server.url + "/") as session:
        await add(session)  # this copy: count 1, at seq 2
        old_instance, old_seq = session.instance, session.seq
        old_ids = set(session.document.models)
        await drop(session)
        assert await reap(server) == 1  # unused, so the server ended it
        # Someone opens the same (shared) session again: the server builds it anew,
        # and its new changes reach seq 4, past what the old copy had seen.
        async with ClientSession.open(server.url + "/", session_id=session.id) as other:
            await add(other, 3)
            assert other.instance != old_instance and other.seq > old_seq
            received = len(session.messages)

            await session.reconnect()
            # Not patches 3 and 4 of another session applied to the old copy: all of it.
            new = [m["type"] for m in session.messages[received:]]
            assert new == ["ack", "doc"]
            assert session.instance == other.instance
            assert session.seq == other.seq
            assert count_of(session) == "3"
            assert set(session.document.models).isdisjoint(old_ids)
            await add(session)
            await other.wait_for(lambda doc: doc.find(name="count").text == "4")

