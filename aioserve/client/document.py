"""The client's copy of a session's document, kept current by the server's patches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

type_ = type  # `find(type=...)` shadows the builtin inside those methods


@dataclass(eq=False)
class ClientModel:
    """The client's copy of one model: `model.props["value"]`, `model["value"]` or
    `model.value` all read the property as the page has it."""

    id: str
    type: str
    props: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.props[name]

    def __getattr__(self, name: str) -> Any:
        props = self.__dict__.get("props")
        if props is None or name.startswith("__") or name not in props:
            raise AttributeError(f"{self.__dict__.get('type', 'model')} has no property {name!r}")
        return props[name]

    def describe(self) -> str:
        """`Slider 'Frequency' (m4)`: how error messages name a model."""
        shown = self.props.get("name") or self.props.get("label") or self.props.get("title")
        return f"{self.type} {shown!r} ({self.id})" if shown else f"{self.type} ({self.id})"

    def refs(self) -> list[str]:
        """Ids of the models this one refers to."""
        return [ref for value in self.props.values() for ref in _refs(value)]


def _refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"ref"} and isinstance(value["ref"], str):
            return [value["ref"]]
        return [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


@dataclass
class ClientDocument:
    """The client's copy of a session's document, kept up to date by patches."""

    title: str = ""
    roots: list[str] = field(default_factory=list)
    models: dict[str, ClientModel] = field(default_factory=dict)
    # The last window of rows fetched for each table (ClientSession.rows), by table id.
    windows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def load(self, doc: dict[str, Any]) -> None:
        self.title = doc["title"]
        self.roots = list(doc["roots"])
        self.models = {}
        self.windows = {}
        self._add(doc["models"])

    def _add(self, models: dict[str, Any]) -> None:
        for model_id, spec in models.items():
            self.models[model_id] = ClientModel(model_id, spec["type"], dict(spec["props"]))

    def apply(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            kind = event["kind"]
            if kind == "set":
                self.models[event["model"]].props[event["attr"]] = event["value"]
            elif kind == "models":
                self._add(event["models"])
            elif kind == "roots":
                self.roots = list(event["roots"])
            elif kind == "title":
                self.title = event["title"]
            elif kind == "stream":
                data = self.models[event["model"]].props["data"]
                for name, values in event["data"].items():
                    column = data.setdefault(name, [])
                    column.extend(values)
                    if event.get("rollover") is not None:
                        del column[: max(0, len(column) - event["rollover"])]
            elif kind == "patch":
                data = self.models[event["model"]].props["data"]
                for name, cells in event["patches"].items():
                    for index, value in cells:
                        data[name][index] = value

    def reachable(self) -> list[ClientModel]:
        """The models on the page: the roots and what they refer to, in page order."""
        seen: dict[str, ClientModel] = {}
        stack = list(reversed(self.roots))
        while stack:
            model = self.models.get(stack.pop())
            if model is None or model.id in seen:
                continue
            seen[model.id] = model
            stack.extend(reversed(model.refs()))
        return list(seen.values())

    def find_all(self, *, type: str | type_ | None = None, name: str | None = None,
                 label: str | None = None) -> list[ClientModel]:
        """Models on the page by type (a name like "Slider", or the class), `name`,
        or the label / title / placeholder the user sees."""
        type_name = type if type is None or isinstance(type, str) else type.__name__
        return [m for m in self.reachable()
                if (type_name is None or m.type == type_name)
                and (name is None or m.props.get("name") == name)
                and (label is None or label in (m.props.get("label"), m.props.get("title"),
                                                m.props.get("placeholder")))]

    def find(self, *, type: str | type_ | None = None, name: str | None = None,
             label: str | None = None) -> ClientModel:
        """The one model matching; LookupError (naming what is there) otherwise."""
        found = self.find_all(type=type, name=name, label=label)
        if len(found) == 1:
            return found[0]
        criteria = ", ".join(f"{k}={v!r}" for k, v in
                             (("type", type), ("name", name), ("label", label)) if v is not None)
        candidates = found or self.reachable()
        listed = ", ".join(m.describe() for m in candidates[:20])
        what = "several models" if found else "no model"
        raise LookupError(f"{what} matching {criteria} on the page; "
                          f"{'they are' if found else 'the page has'}: {listed or 'nothing'}")
