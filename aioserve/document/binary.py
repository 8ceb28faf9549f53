"""Columns of numbers as binary websocket frames (docs/protocol.md, "Binary columns").

A message's JSON refers to a column by `{"__buffer__": id, "dtype": ..., "length": n}`;
the column's values travel in a binary frame sent just before that message: an
8-byte header (the id as a little-endian uint32, a dtype code, three zero bytes),
then the values as little-endian float64 or int32. A float64 NaN is an empty cell.
"""

from __future__ import annotations

import itertools
import json
import math
import struct
import sys
from array import array
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

# Shorter columns stay in the JSON: a frame of its own costs more than it saves.
BINARY_MIN_LENGTH = 16
DTYPES = {"float64": (0, "d"), "int32": (1, "i")}
_INT32 = (-(2**31), 2**31 - 1)
_INTS = frozenset((int,))
_NUMBERS_OR_NONE = frozenset((int, float, type(None)))
_EXACT = 2**53  # integers a float64 holds exactly
_ids = itertools.count(1)
_HEADER = struct.Struct("<IB3x")


class BinaryColumn(list[Any]):
    """A column that travels as a binary frame; to Python it is the plain list.
    Made by `binary`, a copy of the values: `BinaryColumn(values)` alone has no dtype."""

    __slots__ = ("dtype", "packed")
    dtype: str
    packed: bytes | None  # the values as `pack` writes them, once packed


def binary(values: list[Any], dtype: str) -> BinaryColumn:
    """A BinaryColumn of a copy of `values` (list's own constructor: no Python call)."""
    column = BinaryColumn(values)
    column.dtype = dtype
    column.packed = None
    return column


class PackedColumn:
    """A column packed already (a numpy array's bytes, see models/arrays.py): it
    travels as a BinaryColumn does, without a Python list of its values."""

    __slots__ = ("dtype", "length", "packed")

    def __init__(self, dtype: str, length: int, packed: bytes) -> None:
        self.dtype, self.length, self.packed = dtype, length, packed

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[Any]:
        return iter(self.tolist())

    def tolist(self) -> list[Any]:
        """The values as JSON carries them (NaN as None), read back from the bytes."""
        return unpack(_HEADER.pack(0, DTYPES[self.dtype][0]) + self.packed)[1]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedColumn):
            return (self.dtype, self.packed) == (other.dtype, other.packed)
        return isinstance(other, list) and self.tolist() == other

    def __repr__(self) -> str:
        return f"PackedColumn({self.dtype}, {self.length} values)"


def binary_column(values: list[Any], kinds: set[type] | None = None) -> list[Any]:
    """`values` (numbers and None, as `column_json` makes them) as a BinaryColumn
    when they fit one exactly; otherwise the list itself. `kinds`: the types of
    the values, when the caller has them already."""
    if len(values) < BINARY_MIN_LENGTH:
        return values
    if kinds is None:
        kinds = set(map(type, values))
    if kinds <= _INTS:
        low, high = min(values), max(values)
        if _INT32[0] <= low and high <= _INT32[1]:
            return binary(values, "int32")
        return binary(values, "float64") if low >= -_EXACT and high <= _EXACT else values
    if not kinds <= _NUMBERS_OR_NONE:
        return values
    if int in kinds:
        ints = [v for v in values if type(v) is int]
        if min(ints) < -_EXACT or max(ints) > _EXACT:
            return values
    return binary(values, "float64")


def pack(ident: int, column: BinaryColumn | PackedColumn) -> bytes:
    """The frame of one column: header, then the values (struct packs a list about
    twice as fast as array does)."""
    code, typecode = DTYPES[column.dtype]
    data = column.packed
    if data is None:  # a BinaryColumn not packed yet (a PackedColumn always is)
        layout = f"<{len(column)}{typecode}"
        try:
            data = struct.pack(layout, *column)
        except struct.error:  # None, an empty cell, goes as NaN
            data = struct.pack(layout, *[math.nan if v is None else v for v in column])
        column.packed = data  # a column sent again (sources.py) is not packed again
    return _HEADER.pack(ident, code) + data


def unpack(frame: bytes) -> tuple[int, list[Any]]:
    """A frame's id and values (NaN read as None), as aioserve.client reads them."""
    ident, code = _HEADER.unpack_from(frame)
    typecode = next(t for c, t in DTYPES.values() if c == code)
    data = array(typecode)
    data.frombytes(frame[_HEADER.size:])
    if sys.byteorder != "little":
        data.byteswap()
    values: list[Any] = data.tolist()
    if typecode == "d":
        values = [None if v != v else v for v in values]  # NaN: an empty cell
    return ident, values


class Outgoing(NamedTuple):
    """One message: its JSON text and the binary frames that go before it."""

    text: str
    buffers: tuple[bytes, ...] = ()

    @property
    def size(self) -> int:
        return len(self.text) + sum(map(len, self.buffers))


def encode(message: dict[str, Any]) -> Outgoing:
    """A message as JSON text plus a frame for each BinaryColumn in it.

    orjson writes floats about ten times faster than the standard library;
    what it refuses (integers past 64 bits) goes through the standard library,
    BinaryColumns included, as plain JSON lists.
    """
    buffers: list[bytes] = []

    def default(obj: Any) -> Any:
        if isinstance(obj, BinaryColumn) or type(obj) is PackedColumn:  # (no tuple: faster)
            ident = next(_ids) % 2**32
            buffers.append(pack(ident, obj))
            return {"__buffer__": ident, "dtype": obj.dtype, "length": len(obj)}
        bases: tuple[type[Any], ...] = (str, int, float, dict, list)
        for base in bases:  # other subclasses: as their base
            if isinstance(obj, base):
                return base(obj)
        raise TypeError(f"cannot send a {type(obj).__name__} value to the browser")

    try:
        text = orjson.dumps(message, default=default,
                            option=orjson.OPT_PASSTHROUGH_SUBCLASS).decode()
    except orjson.JSONEncodeError:
        buffers.clear()
        text = json.dumps(message, separators=(",", ":"), allow_nan=False, default=_as_json)
    return Outgoing(text, tuple(buffers))


def _as_json(obj: Any) -> Any:
    """What the standard library's JSON cannot write itself: a PackedColumn's values."""
    if isinstance(obj, PackedColumn):
        return obj.tolist()
    raise TypeError(f"cannot send a {type(obj).__name__} value to the browser")


def resolve(value: dict[str, Any], buffers: dict[int, list[Any]]) -> Any:
    """A JSON object as read (`object_hook`): a buffer reference becomes its values."""
    ident = value.get("__buffer__")
    if ident is None or len(value) != 3:
        return value
    return buffers.pop(ident)
