"""An existing aiohttp site that mounts two aioserve apps behind its own login.

The site has its own pages (/, /login, /logout, /api/whoami), its own middleware
(Server-Timing and X-Worker-Pid headers on every response, aioserve's too) and an
aiohttp-session login kept in an encrypted cookie. It mounts:

    /dash/   the sliders example (examples/sliders.py), a script app
    /team/   `team_app` below, a function app that greets the signed-in user

Run it either way, from the repository root (README.md in this folder):

    python -m examples.embed.site --port 8080                 # web.run_app
    gunicorn examples.embed.site:app --worker-class aiohttp.GunicornWebWorker \\
        --bind 127.0.0.1:8080 --workers 2 --no-control-socket

Sign in as alice / wonderland (or bob / builder).
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp_session
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

import aioserve
from aioserve.models import Button, Column, Div, Markdown, TextInput
from aioserve.server.keys import USER

log = logging.getLogger("embed-site")

SLIDERS = Path(__file__).resolve().parent.parent / "sliders.py"
USERS = {"alice": "wonderland", "bob": "builder"}  # a demo; keep real ones hashed
PROTECTED = ("/dash", "/team")  # the mounted apps need a signed-in user


def team_app(doc: aioserve.Document) -> None:
    """One session per tab; `session_context.user` is the user our middleware found."""
    user = str(doc.session_context.user) if doc.session_context else "nobody"
    message = TextInput(title="Message", placeholder="Say something", name="message")
    send = Button(label="Send", button_type="primary", name="send")
    said = Div(text="Nothing said yet.", name="said")
    # With lazy sessions, the worker that took the websocket built this session.
    worker = Div(text=f"Session built by worker {os.getpid()}.", name="worker")

    def post() -> None:
        text = message.value.strip()
        if text:
            said.text = f"<b>{html.escape(user)}</b> said: {html.escape(text)}"
            message.value = ""

    send.on_click(post)
    doc.title = "Team"
    doc.add_root(Column(Markdown(text=f"Signed in as **{user}**.", name="whoami"),
                        message, send, said, worker))


# ---- the site's own middleware and pages

@web.middleware
async def served_by(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    """The site's own middleware: it wraps aioserve's pages like any other route."""
    started = time.perf_counter()
    response = await handler(request)
    if not response.prepared:  # a websocket is already under way: its headers went out
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        response.headers["X-Worker-Pid"] = str(os.getpid())
    return response


@web.middleware
async def require_login(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    """Guard the mounted apps, and tell aioserve who the user is (session_context.user)."""
    if not request.path.startswith(PROTECTED):
        return await handler(request)
    session = await aiohttp_session.get_session(request)
    user = session.get("user")
    if user is None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            raise web.HTTPForbidden(text="sign in first")
        raise web.HTTPFound("/login?" + urlencode({"next": request.path_qs}))
    request[USER] = user  # aioserve puts this on the session context
    return await handler(request)


async def home(request: web.Request) -> web.Response:
    session = await aiohttp_session.get_session(request)
    user = session.get("user")
    who = (f"Signed in as <b>{html.escape(user)}</b> · <a href='/logout'>sign out</a>" if user
           else "<a href='/login'>Sign in</a> to use the apps.")
    return _page("Example site", f"""
        <p>{who}</p>
        <ul>
          <li><a href="/dash/">Sliders</a> (an aioserve script app at /dash/)</li>
          <li><a href="/team/">Team</a> (an aioserve function app at /team/)</li>
          <li><a href="/api/whoami">/api/whoami</a> (one of the site's own routes)</li>
        </ul>""")


async def login_form(request: web.Request) -> web.Response:
    session = await aiohttp_session.get_session(request)
    session["csrf"] = csrf = session.get("csrf") or secrets.token_urlsafe(16)
    error = "<p class='error'>Wrong name or password.</p>" if "failed" in request.query else ""
    nxt = html.escape(request.query.get("next", "/"), quote=True)
    return _page("Sign in", f"""{error}
        <form method="post" action="/login">
          <input type="hidden" name="csrf" value="{csrf}">
          <input type="hidden" name="next" value="{nxt}">
          <label>Name <input name="username" autocomplete="username" required></label>
          <label>Password <input name="password" type="password"
                 autocomplete="current-password" required></label>
          <button>Sign in</button>
        </form>""")


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    session = await aiohttp_session.get_session(request)
    if not secrets.compare_digest(str(form.get("csrf", "")), str(session.get("csrf", "-"))):
        raise web.HTTPForbidden(text="stale form; reload the sign-in page")
    name, password = str(form.get("username", "")), str(form.get("password", ""))
    expected = USERS.get(name)
    if expected is None or not secrets.compare_digest(password, expected):
        raise web.HTTPFound("/login?failed=1")
    (await aiohttp_session.new_session(request))["user"] = name  # a fresh session on sign-in
    nxt = str(form.get("next", "/"))
    raise web.HTTPFound(nxt if nxt.startswith("/") and not nxt.startswith("//") else "/")


async def logout(request: web.Request) -> web.Response:
    session = await aiohttp_session.get_session(request)
    session.invalidate()
    raise web.HTTPFound("/")


async def whoami(request: web.Request) -> web.Response:
    session = await aiohttp_session.get_session(request)
    return web.json_response({"user": session.get("user"), "pid": os.getpid()})


def _page(title: str, body: str) -> web.Response:
    return web.Response(content_type="text/html", text=f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto}}
label{{display:block;margin:.5rem 0}} .error{{color:#b00}}</style></head>
<body><h1>{title}</h1>{body}</body></html>""")


# ---- putting it together

def cookie_storage() -> EncryptedCookieStorage:
    """Every worker must share the key, or a login made on one fails on the other."""
    key = os.environ.get("SITE_COOKIE_SECRET")
    if not key:
        log.warning("SITE_COOKIE_SECRET is not set: using a key for this process only, so "
                    "logins do not survive a restart or reach another worker")
        key = Fernet.generate_key().decode()
    return EncryptedCookieStorage(key, cookie_name="site_session", httponly=True,
                                  samesite="Lax")


def make_site() -> web.Application:
    site = web.Application(middlewares=[
        aiohttp_session.session_middleware(cookie_storage()), served_by, require_login])
    site.router.add_get("/", home)
    site.router.add_get("/login", login_form)
    site.router.add_post("/login", login)
    site.router.add_get("/logout", logout)
    site.router.add_get("/api/whoami", whoami)
    # lazy_sessions: the page only mints the token and the process that receives the
    # websocket builds the session, so the apps work under several gunicorn workers.
    site.add_subapp("/dash", aioserve.create_app([SLIDERS], lazy_sessions=True))
    site.add_subapp("/team", aioserve.create_app(team_app, lazy_sessions=True))
    return site


app = make_site()  # what gunicorn serves: examples.embed.site:app

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    web.run_app(app, host=options.host, port=options.port)
