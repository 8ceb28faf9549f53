"""Lifecycle hooks of the dashboard app: aioserve calls each one by name.

Sync and async hooks are both fine. Hooks run in the server's process, once
per server (`on_server_*`) or once per session (`on_session_*`).
"""

import datetime as dt
import logging
import os

log = logging.getLogger(__name__)


def on_server_loaded(server_context):
    log.info("dashboard: server loaded in pid %d", os.getpid())


async def on_server_unloaded(server_context):
    log.info("dashboard: server unloaded")


async def on_session_created(session_context):
    log.info("dashboard: session %s created", session_context.id)


def on_session_destroyed(session_context):
    log.info("dashboard: session %s destroyed", session_context.id)


def process_request(request):
    """Runs for each page request (an aiohttp request); what it returns travels in the
    session token and reaches the app as `doc.session_context.token_payload`."""
    agent = request.headers.get("User-Agent", "an unknown browser")
    return {
        "visitor": request.query.get("name", "visitor"),
        "greeted_at": dt.datetime.now().strftime("%H:%M:%S"),
        "browser": agent.split(" ", 1)[0],
    }
