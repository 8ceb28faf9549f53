"""Binary columns: which columns go as frames, the frame layout, and messages that
refer to them (docs/protocol.md, "Binary columns")."""

from __future__ import annotations

import json
import math
import struct

import pytest

from aioserve.document.binary import (
    BINARY_MIN_LENGTH,
    BinaryColumn,
    binary,
    binary_column,
    encode,
    pack,
    resolve,
    unpack,
)

N = BINARY_MIN_LENGTH


@pytest.mark.parametrize(("values", "dtype"), [
    (list(range(N)), "int32"),
    ([2**31 - 1, -(2**31)] * N, "int32"),
    ([2**31] * N, "float64"),  # past int32: exact in a float64
    ([0.5] * N, "float64"),
    ([1, 2.5, None] * N, "float64"),  # None: an empty cell (NaN)
    ([2**53] * N, "float64"),
])
def test_numbers_go_as_the_smallest_exact_type(values: list[object], dtype: str) -> None:
    column = binary_column(values)
    assert isinstance(column, BinaryColumn) and column.dtype == dtype
    assert column == values  # to Python it is the list


@pytest.mark.parametrize("values", [
    list(range(N - 1)),  # too short to be worth a frame
    ["a"] * N,
    [True, False] * N,
    [1, "x"] * N,
    [2**53 + 1] * N,  # a float64 would round it
    [0.5] * (N - 1) + [2**60],
])
def test_other_columns_stay_json(values: list[object]) -> None:
    assert not isinstance(binary_column(values), BinaryColumn)


def test_a_frame_is_a_header_then_little_endian_values() -> None:
    frame = pack(7, binary([1.5, None, -2.0] * 6, "float64"))
    assert frame[:8] == struct.pack("<IB3x", 7, 0)
    first, empty, last = struct.unpack_from("<3d", frame, 8)
    assert (first, last) == (1.5, -2.0) and math.isnan(empty)
    assert len(frame) == 8 + 18 * 8
    ident, values = unpack(frame)
    assert ident == 7 and values == [1.5, None, -2.0] * 6
    ints = pack(8, binary(list(range(N)), "int32"))
    assert len(ints) == 8 + 4 * N and unpack(ints) == (8, list(range(N)))


def test_a_message_refers_to_its_frames_and_reads_back_whole() -> None:
    ys = [i / 3 for i in range(100)]
    message = {"type": "patch", "events": [{"kind": "stream", "data": {
        "y": binary(ys, "float64"), "n": binary(list(range(100)), "int32"),
        "name": ["a"] * 100}}]}
    out = encode(message)
    assert len(out.buffers) == 2
    parsed = json.loads(out.text)
    data = parsed["events"][0]["data"]
    assert data["y"]["dtype"] == "float64" and data["y"]["length"] == 100
    assert data["name"] == ["a"] * 100
    # Far smaller than the same numbers as text.
    assert out.size < len(json.dumps(message)) * 0.8
    buffers = dict(unpack(frame) for frame in out.buffers)
    back = json.loads(out.text, object_hook=lambda v: resolve(v, buffers))
    assert back == message and buffers == {}


def test_a_message_without_columns_has_no_frames() -> None:
    out = encode({"type": "ok", "reply_to": 3, "note": "x"})
    assert out.buffers == () and out.text == '{"type":"ok","reply_to":3,"note":"x"}'


def test_integers_past_64_bits_fall_back_to_plain_json() -> None:
    out = encode({"big": 2**70, "y": binary([0.5] * N, "float64")})
    assert out.buffers == ()
    assert json.loads(out.text) == {"big": 2**70, "y": [0.5] * N}


def test_other_subclasses_go_as_their_base_type() -> None:
    class Text(str):
        pass

    class Row(dict):  # type: ignore[type-arg]
        pass

    assert json.loads(encode({"a": Text("hi"), "b": Row(x=1), "c": True}).text) == {
        "a": "hi", "b": {"x": 1}, "c": True}
