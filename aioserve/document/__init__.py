"""Documents and the models they are made of."""

from aioserve.document.document import Document, curdoc
from aioserve.document.model import Event, Model

__all__ = ["Document", "Event", "Model", "curdoc"]
