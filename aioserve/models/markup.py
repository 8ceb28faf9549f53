"""Text on the page: `Div` (HTML) and `Markdown`."""

from __future__ import annotations

from aioserve.document.model import Widget
from aioserve.document.properties import Bool, String


class Div(Widget):
    """A block of HTML written by the app (as Bokeh's `Div`).

    >>> Div(text="<b>Hello</b>").text
    '<b>Hello</b>'

    The HTML is the app author's own; never put unescaped user input in it
    (set `render_as_text=True` to show text as it is).
    """

    text = String("", help="HTML content")
    render_as_text = Bool(False, help="Show `text` as plain text instead of HTML")


class Markdown(Widget):
    """Markdown text, rendered in the browser with HTML escaped.

    >>> Markdown(text="# Title").text
    '# Title'
    """

    text = String("", help="Markdown source")
