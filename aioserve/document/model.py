"""The base of every model: typed properties, change and event callbacks."""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from aioserve.document.properties import (
    JSON,
    Bool,
    Enum,
    Int,
    List,
    Nullable,
    Property,
    String,
)

if TYPE_CHECKING:
    from aioserve.document.document import Document

ChangeCallback = Callable[[str, Any, Any], Any]
EventCallback = Callable[..., Any]

_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Event:
    """Something the user did to a model in the browser (e.g. a click)."""

    model: Model
    name: str
    data: dict[str, Any] = field(default_factory=dict)


class Model:
    """A node of a document. Subclasses declare `Property` class attributes.

    >>> from aioserve.models import Div
    >>> Div(text="hello").text
    'hello'
    """

    __properties__: ClassVar[dict[str, Property[Any]]] = {}
    # Worked out once per class from __properties__, because building and
    # sending models is most of what serving a session costs:
    __initial_values__: ClassVar[dict[str, Any]] = {}  # defaults that can be shared
    __fresh_values__: ClassVar[tuple[tuple[str, Property[Any]], ...]] = ()  # copied per model
    __json_props__: ClassVar[tuple[tuple[str, Property[Any]], ...]] = ()  # need to_json()
    __reference_props__: ClassVar[tuple[tuple[str, Property[Any]], ...]] = ()  # may hold models
    __reference_names__: ClassVar[frozenset[str]] = frozenset()  # their names, for a quick test
    __json_names__: ClassVar[frozenset[str]] = frozenset()  # the names of __json_props__
    __events__: ClassVar[tuple[str, ...]] = ()
    _building = False
    __types__: ClassVar[dict[str, type[Model]]] = {}

    name = Nullable(String(), help="A name to find the model by (doc.select_one(name=...))")
    tags = List(JSON(), help="Arbitrary values the app keeps with the model; not shown")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        props: dict[str, Property[Any]] = {}
        for klass in reversed(cls.__mro__):
            props.update((k, v) for k, v in vars(klass).items() if isinstance(v, Property))
        cls.__properties__ = props
        fresh = tuple((n, p) for n, p in props.items()
                      if isinstance(p.default, (list, dict)) or type(p).initial is not
                      Property.initial)
        cls.__fresh_values__ = fresh
        cls.__initial_values__ = {n: p.default for n, p in props.items()}
        cls.__json_props__ = tuple((n, p) for n, p in props.items() if not p.json_as_is)
        cls.__reference_props__ = tuple((n, p) for n, p in props.items() if p.holds_models)
        cls.__reference_names__ = frozenset(n for n, _ in cls.__reference_props__)
        cls.__json_names__ = frozenset(n for n, _ in cls.__json_props__)
        Model.__types__[cls.__name__] = cls

    def __init__(self, **kwargs: Any) -> None:
        self.id = f"m{next(_ids)}"
        self._document: Document | None = None
        self._values: dict[str, Any] = dict(self.__initial_values__)
        for name, prop in self.__fresh_values__:
            self._values[name] = prop.initial()
        # Made on first use: most models of a session never get a callback, and
        # every container a session keeps is one more for the garbage collector.
        self._change_callbacks: dict[str, list[ChangeCallback]] | None = None
        self._event_callbacks: dict[str, list[EventCallback]] | None = None
        # While the keywords are set one by one, rules that relate two properties
        # (a slider's value and its end) wait until all are set, so order does not matter.
        self._building = True
        for key, value in kwargs.items():
            if key not in self.__properties__:
                raise TypeError(f"{type(self).__name__} has no property {key!r}")
            setattr(self, key, value)
        self._building = False
        self._check_model(kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r})"

    @property
    def document(self) -> Document | None:
        return self._document

    def _check_client_rules(self, name: str, value: Any) -> None:
        """Refuse from Python what `validate_client` refuses from the browser."""
        validate = getattr(self, "validate_client", None)
        if validate is not None and not self._building:
            validate(name, value)

    def _check_model(self, given: Iterable[str]) -> None:
        """Once built: the settable values the app gave pass the browser's rules too."""
        if getattr(self, "validate_client", None) is None:
            return
        for name in given:
            if self.__properties__[name].settable:
                self._check_client_rules(name, self._values[name])

    def _set_property(self, name: str, value: Any) -> None:
        old = self._values[name]
        if old is value or (type(old) is type(value) and old == value):
            return
        doc = self._document
        if doc is None:
            self._values[name] = value
        else:  # checks the change, makes it, sends it, runs the callbacks
            doc._change(self, name, old, value)

    def set_checked(self, name: str, value: Any) -> None:
        """Set a value the caller has already checked (a browser's `set`, which the
        session validates with the browser's rules), without checking it again."""
        self._set_property(name, value)

    def on_change(self, *args: Any) -> None:
        """`model.on_change("value", cb)` or `on_change("a", "b", cb)`; cb(attr, old, new)."""
        *attrs, callback = args
        if not attrs or not callable(callback):
            raise TypeError("on_change takes one or more property names, then a callback")
        for attr in attrs:
            self._check_attr(attr)
        if self._change_callbacks is None:
            self._change_callbacks = {}
        for attr in attrs:
            self._change_callbacks.setdefault(attr, []).append(callback)

    def remove_on_change(self, attr: str, callback: ChangeCallback) -> None:
        self._check_attr(attr)
        self.change_callbacks(attr).remove(callback)

    def on_event(self, event: str, callback: EventCallback) -> None:
        """Run `callback(event)` (or `callback()`) when the user triggers `event`."""
        if event not in self.__events__:
            raise ValueError(f"{type(self).__name__} has no event {event!r}"
                             f" (it has: {', '.join(self.__events__) or 'none'})")
        if self._event_callbacks is None:
            self._event_callbacks = {}
        self._event_callbacks.setdefault(event, []).append(callback)

    def _check_attr(self, attr: str) -> None:
        if attr not in self.__properties__:
            raise ValueError(f"{type(self).__name__} has no property {attr!r}")

    def references(self) -> Iterator[Model]:
        """The models this one refers to directly."""
        for name, prop in self.__reference_props__:
            yield from prop.references(self._values[name])

    def to_json(self) -> dict[str, Any]:
        props = dict(self._values)
        for name, prop in self.__json_props__:
            props[name] = prop.to_json(props[name])
        return {"type": type(self).__name__, "props": props}

    def property_json(self, name: str, value: Any) -> Any:
        """`value` of property `name` as a `set` event sends it to the page."""
        return self.__properties__[name].to_json(value) if name in self.__json_names__ else value

    def event_callbacks(self, event: str) -> list[EventCallback]:
        callbacks = self._event_callbacks
        return callbacks.get(event, []) if callbacks is not None else []

    def change_callbacks(self, attr: str) -> list[ChangeCallback]:
        callbacks = self._change_callbacks
        return callbacks.get(attr, []) if callbacks is not None else []


def call_event_callback(callback: EventCallback, event: Event) -> Any:
    """Bokeh lets event callbacks take the event or nothing at all."""
    try:
        params = inspect.signature(callback).parameters
    except (TypeError, ValueError):
        return callback(event)
    takes_args = any(p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                     for p in params.values())
    return callback(event) if takes_args else callback()


def event_caller(callback: EventCallback) -> Callable[[Event], Any]:
    """`callback` as a function of the event, under its own name, so an error in it is
    reported as the app's callback (not as this adapter)."""

    @functools.wraps(callback)
    def call(event: Event) -> Any:
        return call_event_callback(callback, event)

    return call


class Widget(Model):
    """What every visible model has: visibility and size."""

    visible = Bool(True, help="False hides it (it keeps its place in the document)")
    width = Nullable(Int(low=0), help="Width in pixels (None: natural size)")
    height = Nullable(Int(low=0), help="Height in pixels (None: natural size)")
    sizing_mode = Nullable(Enum("fixed", "stretch_width", "stretch_height", "stretch_both"),
                           help="Fill the container's width / height instead of the natural size")
    css_classes = List(String(), help="Extra CSS classes on its element, for a theme")


class Input(Widget):
    """A control the user can change; `disabled` greys it out."""

    disabled = Bool(False, help="Grey it out and take no input")
