"""Typed, validated model properties.

A property is a descriptor on a `Model` class. It validates every assignment,
from Python and from the browser alike, so a wrong value never reaches the
document: it raises `TypeError`/`ValueError` naming the model and property.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from aioserve.document.model import Model

T = TypeVar("T")

_MISSING: Any = object()


class Property(Generic[T]):
    """A typed attribute of a model, sent to the browser under its own name."""

    type_name = "any"

    def __init__(self, default: T = _MISSING, *, settable: bool = False, help: str = "") -> None:
        self.default = default
        self.settable = settable  # may the browser change it?
        self.help = help
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Property[T]: ...
    @overload
    def __get__(self, obj: Model, owner: type) -> T: ...
    def __get__(self, obj: Model | None, owner: type) -> T | Property[T]:
        if obj is None:
            return self
        return obj._values[self.name]  # type: ignore[no-any-return]

    def __set__(self, obj: Model, value: T) -> None:
        value = self.check(obj, value)
        if self.settable:  # what the browser may set, Python may set only within the same rules
            obj._check_client_rules(self.name, value)
        obj._set_property(self.name, value)

    def initial(self) -> T:
        """A fresh default value (lists and dicts are copied)."""
        default = self.default
        if isinstance(default, list):
            return default.copy()  # type: ignore[return-value]
        if isinstance(default, dict):
            return dict(default)  # type: ignore[return-value]
        return default

    def check(self, obj: Model | type, value: Any) -> T:
        """Validate `value`, raising a clear error naming model and property."""
        try:
            return self.validate(value)
        except (TypeError, ValueError) as exc:
            owner = obj if isinstance(obj, type) else type(obj)
            raise type(exc)(f"{owner.__name__}.{self.name}: {exc}") from None

    def validate(self, value: Any) -> T:
        return value  # type: ignore[no-any-return]

    def to_json(self, value: T) -> Any:
        return value

    def references(self, value: T) -> list[Model]:
        return []

    # Models precompute from these two which properties need a call (see Model).
    @property
    def json_as_is(self) -> bool:
        """Whether `to_json(v)` is `v` itself, so a model can skip the call."""
        return type(self).to_json is Property.to_json

    @property
    def holds_models(self) -> bool:
        """Whether a value can refer to models, i.e. `references` may be non-empty."""
        return type(self).references is not Property.references


def _type_error(expected: str, value: Any) -> TypeError:
    return TypeError(f"expected {expected}, got {type(value).__name__} {value!r:.60}")


class Bool(Property[bool]):
    type_name = "bool"

    def validate(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise _type_error("a bool", value)
        return value


class Int(Property[int]):
    type_name = "int"

    def __init__(self, default: int = 0, *, low: int | None = None, high: int | None = None,
                 **kw: Any) -> None:
        super().__init__(default, **kw)
        self.low, self.high = low, high

    def validate(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # JSON from the browser may say 3.0 for 3
            else:
                raise _type_error("an int", value)
        _check_range(value, self.low, self.high)
        return int(value)


class Float(Property[float]):
    type_name = "float"

    def __init__(self, default: float = 0.0, *, low: float | None = None,
                 high: float | None = None, **kw: Any) -> None:
        super().__init__(default, **kw)
        self.low, self.high = low, high

    def validate(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _type_error("a number", value)
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int past the float range, e.g. 1 followed by 400 zeros
            raise ValueError(f"{value!r:.20}... is too large for a float") from None
        if not finite:
            raise ValueError(f"expected a finite number, got {value!r}")
        _check_range(value, self.low, self.high)
        return value


def _check_range(value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise ValueError(f"{value!r} is below the minimum {low!r}")
    if high is not None and value > high:
        raise ValueError(f"{value!r} is above the maximum {high!r}")


class String(Property[str]):
    type_name = "str"

    def __init__(self, default: str = "", *, max_length: int | None = None, **kw: Any) -> None:
        super().__init__(default, **kw)
        self.max_length = max_length

    def validate(self, value: Any) -> str:
        if not isinstance(value, str):
            raise _type_error("a str", value)
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"longer than {self.max_length} characters")
        return value


class Enum(Property[str]):
    def __init__(self, *choices: str, default: str | None = None, **kw: Any) -> None:
        super().__init__(choices[0] if default is None else default, **kw)
        self.choices = choices
        self.type_name = "enum(" + ", ".join(choices) + ")"

    def validate(self, value: Any) -> str:
        if value not in self.choices:
            raise ValueError(f"expected one of {', '.join(map(repr, self.choices))}, got {value!r}")
        return value  # type: ignore[no-any-return]


class Nullable(Property[T | None]):
    def __init__(self, inner: Property[T], default: T | None = None, **kw: Any) -> None:
        super().__init__(default, **kw)
        self.inner = inner
        self.type_name = f"{inner.type_name} | None"

    def __set_name__(self, owner: type, name: str) -> None:
        super().__set_name__(owner, name)
        self.inner.name = name

    def validate(self, value: Any) -> T | None:
        return None if value is None else self.inner.validate(value)

    def to_json(self, value: T | None) -> Any:
        return None if value is None else self.inner.to_json(value)

    def references(self, value: T | None) -> list[Model]:
        return [] if value is None else self.inner.references(value)

    @property
    def json_as_is(self) -> bool:
        return self.inner.json_as_is

    @property
    def holds_models(self) -> bool:
        return self.inner.holds_models


class List(Property[list[T]]):
    def __init__(self, item: Property[T], default: list[T] | None = None, *,
                 max_length: int | None = None, **kw: Any) -> None:
        super().__init__([] if default is None else default, **kw)
        self.item = item
        self.max_length = max_length
        self.type_name = f"list[{item.type_name}]"

    def validate(self, value: Any) -> list[T]:
        if isinstance(value, (str, bytes, dict)) or not isinstance(value, Sequence):
            raise _type_error("a list", value)
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"more than {self.max_length} items")
        return [self.item.validate(v) for v in value]

    def to_json(self, value: list[T]) -> Any:
        return [self.item.to_json(v) for v in value]

    def references(self, value: list[T]) -> list[Model]:
        return [m for v in value for m in self.item.references(v)]

    @property
    def holds_models(self) -> bool:
        return self.item.holds_models


class Instance(Property[T]):
    """A reference to another model, sent as {"ref": id}."""

    def __init__(self, model_type: Callable[[], type[T]] | type[T], default: Any = None,
                 **kw: Any) -> None:
        super().__init__(default, **kw)
        self._model_type = model_type

    @property
    def model_type(self) -> type[T]:
        mt = self._model_type
        return mt if isinstance(mt, type) else mt()

    @property
    def type_name(self) -> str:  # type: ignore[override]
        return self.model_type.__name__

    def validate(self, value: Any) -> T:
        if not isinstance(value, self.model_type):
            raise _type_error(f"a {self.model_type.__name__}", value)
        return value

    def to_json(self, value: T) -> Any:
        return {"ref": value.id}  # type: ignore[attr-defined]

    def references(self, value: T) -> list[Model]:
        return [value]  # type: ignore[list-item]


class JSON(Property[Any]):
    """Any JSON-serialisable value (no NaN or infinity)."""

    type_name = "json"

    def validate(self, value: Any) -> Any:
        # Checked here, when the app assigns it: a value that cannot be sent would
        # otherwise fail later, while the session numbers and sends a patch.
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"expected a JSON value, got {type(value).__name__} "
                            f"{value!r:.60} ({exc})") from None
        return value
