"""`Pane`: any object that knows how to show itself in Jupyter."""

from __future__ import annotations

import base64
import io
from typing import Any

from aioserve.document.model import Widget
from aioserve.document.properties import Enum, String

MIMES = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain")
_REPR_METHODS = (("_repr_html_", "text/html"), ("_repr_svg_", "image/svg+xml"),
                 ("_repr_png_", "image/png"), ("_repr_jpeg_", "image/jpeg"),
                 ("_repr_markdown_", "text/markdown"))


def _is_matplotlib_figure(obj: Any) -> bool:
    return any(c.__module__.startswith("matplotlib") and c.__name__ == "Figure"
               for c in type(obj).__mro__)


def represent(obj: Any) -> tuple[str, str]:
    """(mime, data) for `obj`, as a notebook would show it; images as base64."""
    if _is_matplotlib_figure(obj):
        buf = io.StringIO()
        obj.savefig(buf, format="svg", bbox_inches="tight")
        return "image/svg+xml", buf.getvalue()
    bundle: dict[str, Any] = {}
    if hasattr(obj, "_repr_mimebundle_"):
        result = obj._repr_mimebundle_(include=None, exclude=None)
        bundle = dict(result[0] if isinstance(result, tuple) else result or {})
    for method, mime in _REPR_METHODS:
        if mime not in bundle and hasattr(obj, method):
            value = getattr(obj, method)()
            if value is not None:
                bundle[mime] = value[0] if isinstance(value, tuple) else value
    for mime in MIMES:
        if mime in bundle:
            data = bundle[mime]
            if mime in ("image/png", "image/jpeg") and isinstance(data, bytes):
                data = base64.b64encode(data).decode("ascii")
            return mime, str(data)
    return "text/plain", str(bundle.get("text/plain", repr(obj)))


class Pane(Widget):
    """Shows an object the way Jupyter would (`_repr_html_`, `_repr_svg_`, ...).

    >>> class Hello:
    ...     def _repr_markdown_(self): return "**hello**"
    >>> Pane(Hello()).mime
    'text/markdown'

    HTML is shown in a sandboxed frame, so it cannot run script in the page.
    A matplotlib figure is shown as SVG. Assign `pane.object = new` to update.
    """

    mime = Enum(*MIMES, default="text/plain",
                help="How `data` is shown, worked out from the object")
    data = String("", help="The object's representation (images in base64)")

    def __init__(self, obj: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if obj is not None:
            self.object = obj

    @property
    def object(self) -> Any:
        return self._object

    @object.setter
    def object(self, obj: Any) -> None:
        self._object = obj
        self.mime, self.data = represent(obj)
