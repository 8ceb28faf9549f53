"""A table's rows through the protocol (aioserve.client): windows, server-side sort and
filter, a big source that stays on the server, and bad requests refused."""

from __future__ import annotations

from typing import Any

import pytest

from aioserve import Document
from aioserve.client import ClientError, ClientSession
from aioserve.models import Button, Column, ColumnDataSource, DataTable
from aioserve.testing import start_server

ROWS = 50_000


def big(doc: Document) -> None:
    source = ColumnDataSource(data={"n": list(range(ROWS)),
                                    "word": [f"w{i % 1000}" for i in range(ROWS)]},
                              name="source")
    more = Button(label="More", name="more")
    more.on_click(lambda: source.stream({"n": [-1], "word": ["new"]}))
    doc.add_root(Column(more, DataTable(source=source, name="table", filterable=True)))


async def test_a_window_of_a_big_table_and_nothing_more() -> None:
    async with start_server(big) as server, ClientSession.open(server.url + "/") as session:
        doc = session.messages[1]
        assert doc["type"] == "doc"
        source = session.document.find(name="source")
        # The 50,000 rows stay on the server: the page gets the column names only.
        assert source.data == {"n": [], "word": []}
        assert len(str(doc)) < 10_000
        table = session.document.find(name="table")
        rows = await session.rows(table, 100, 105)
        assert rows["start"] == 100 and rows["total"] == ROWS
        assert rows["index"] == [100, 101, 102, 103, 104]
        assert rows["data"] == {"n": [100, 101, 102, 103, 104],
                                "word": ["w100", "w101", "w102", "w103", "w104"]}
        # The end of the table: a window past the last row is cut, not refused.
        tail = await session.rows(table, ROWS - 2, ROWS + 50)
        assert tail["index"] == [ROWS - 2, ROWS - 1]

        # A stream sends no rows to this page, only a new revision to fetch by.
        revision = source.revision
        await session.click(session.document.find(name="more"))
        await session.wait_for(lambda d: d.find(name="source").revision == revision + 1)
        assert source.data == {"n": [], "word": []}
        tail = await session.rows(table, ROWS - 1, ROWS + 1)
        assert tail["total"] == ROWS + 1 and tail["data"]["word"] == ["w999", "new"]


async def test_sort_and_filter_happen_on_the_server_for_every_connection() -> None:
    async with start_server(big) as server, ClientSession.open(server.url + "/") as session:
        table = session.document.find(name="table")
        await session.set(table, "sort", {"field": "n", "ascending": False})
        rows = await session.rows(table, 0, 3)
        assert rows["index"] == [ROWS - 1, ROWS - 2, ROWS - 3]
        await session.set(table, "filter", "w7")  # w7, w70..w79, w700..w799: 111 of 1000
        rows = await session.rows(table, 0, 2)
        assert rows["total"] == 111 * ROWS // 1000
        assert rows["data"]["word"] == ["w799", "w798"]  # still sorted by n, descending
        async with ClientSession.open(server.url + "/", session_id=session.id) as other:
            # The sort and filter are the table's: another page of the session shows them.
            assert other.document.find(name="table").sort == {"field": "n", "ascending": False}
            assert (await other.rows(table.id, 0, 2))["index"] == rows["index"]


@pytest.mark.parametrize(("request_", "code", "says"), [
    ({"start": ROWS + 1, "end": ROWS + 10}, "out_of_range", "outside the table (50000 rows)"),
    ({"start": -5, "end": 10}, "out_of_range", "not a window"),
    ({"start": 10, "end": 5}, "out_of_range", "not a window"),
    ({"start": 0, "end": 5000}, "out_of_range", "at most 1000 rows"),
    ({"start": "0", "end": 10}, "bad_message", "'start' must be a int"),
    ({"start": 0}, "bad_message", "'end' must be a int"),
])
async def test_a_bad_window_is_refused_and_the_session_goes_on(
        request_: dict[str, Any], code: str, says: str) -> None:
    async with start_server(big) as server, ClientSession.open(server.url + "/") as session:
        table = session.document.find(name="table")
        seq = session.seq
        with pytest.raises(ClientError) as refused:
            await session.send({"type": "rows", "model": table.id, **request_})
        assert refused.value.code == code
        assert says in refused.value.message
        assert session.seq == seq  # nothing changed
        assert (await session.rows(table, 0, 1))["index"] == [0]  # still usable


async def test_a_sort_on_a_column_that_does_not_exist_is_refused() -> None:
    async with start_server(big) as server, ClientSession.open(server.url + "/") as session:
        table = session.document.find(name="table")
        with pytest.raises(ClientError) as refused:
            await session.set(table, "sort", {"field": "nope", "ascending": True})
        assert refused.value.code == "invalid_value"
        assert refused.value.message == ("DataTable.sort: no column 'nope' in the source "
                                         "(it has: 'n', 'word')")
        assert table.sort is None  # the client's copy is put back, the server's never moved
        (state,) = server.states()
        (served,) = state.apps.values()
        (live,) = served.registry.sessions
        assert live.document.select_one(name="table").sort is None  # type: ignore[attr-defined]
        with pytest.raises(ClientError, match="invalid_value"):
            await session.set(table, "sort", {"field": "n", "ascending": "yes"})
        assert (await session.rows(table, 0, 2))["index"] == [0, 1]


async def test_rows_of_a_model_that_is_not_a_table_are_refused() -> None:
    async with start_server(big) as server, ClientSession.open(server.url + "/") as session:
        with pytest.raises(ClientError, match="bad_message: Button has no rows"):
            await session.send({"type": "rows", "model": session.document.find(
                name="more").id, "start": 0, "end": 1})
        with pytest.raises(ClientError, match="unknown_model"):
            await session.send({"type": "rows", "model": "m999999", "start": 0, "end": 1})


def not_filterable(doc: Document) -> None:
    doc.add_root(DataTable(source={"a": [1]}, sortable=False, name="table"))


async def test_a_table_refuses_what_it_does_not_offer() -> None:
    async with start_server(not_filterable) as server, \
            ClientSession.open(server.url + "/") as session:
        table = session.document.find(name="table")
        with pytest.raises(ClientError, match="not sortable"):
            await session.set(table, "sort", {"field": "a", "ascending": True})
        with pytest.raises(ClientError, match="no filter box"):
            await session.set(table, "filter", "x")
