"""aioserve: serve Python apps to browsers, on aiohttp."""

from aioserve.config import Config
from aioserve.document import Document, curdoc
from aioserve.document.loop_time import run_blocking
from aioserve.security.tokens import generate_secret_key, generate_session_id
from aioserve.server.app import create_app
from aioserve.server.runner import run, serve

__all__ = ["Config", "Document", "create_app", "curdoc", "generate_secret_key",
           "generate_session_id", "run", "run_blocking", "serve"]
