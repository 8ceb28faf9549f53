"""Documents and the models they are made of."""

from aioserve.document.document import Document
from aioserve.document.model import Event, Model
from aioserve.document.state import curdoc

__all__ = ["Document", "Event", "Model", "curdoc"]
