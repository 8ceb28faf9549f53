"""An aioserve auth module: a login form, scrypt-hashed passwords, an encrypted session.

    export AIOSERVE_COOKIE_SECRET="$(aioserve secret)"
    aioserve serve examples/auth --auth-module examples/auth/auth.py --enable-xsrf-cookies

Sign in as demo / demo-password. Before real use, replace USERS: run
`python examples/auth/auth.py NAME` and paste the line it prints.

What makes it safe: passwords are only ever compared as scrypt hashes, in
constant time, and unknown names cost as much as known ones; the login lives in
aiohttp-session's encrypted cookie (--cookie-secret), renewed at login so a
planted cookie is worthless; forms carry the XSRF field and the server checks
it (--enable-xsrf-cookies); `next` may only point back into this site; the
login page cannot be framed; repeated failures for one name are slowed down.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import html
import secrets
import sys
import time
from collections import defaultdict, deque

import aiohttp_session
from aiohttp import web

from aioserve.server.xsrf_middleware import xsrf_form_html, xsrf_token

login_url = "/login"
logout_url = "/logout"

# name -> "scrypt$<salt hex>$<hash hex>"; demo's password is "demo-password".
USERS = {
    "demo": "scrypt$b00e0bbde9c4aec8922e1ba4e3081514"
            "$ee2f169b988c8bfcb562c3e863d69cb13d5443c1ebf61d5c5c75230126e3137d",
}
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
MAX_FAILURES = 5  # per name, per FAILURE_WINDOW_S
FAILURE_WINDOW_S = 60.0

_failures: defaultdict[str, deque[float]] = defaultdict(deque)
# Checked against when the name is unknown, so the answer takes as long either way.
_DECOY = f"scrypt${secrets.token_hex(16)}${secrets.token_hex(32)}"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(name: str, password: str) -> bool:
    stored = USERS.get(name)
    _, salt, expected = (stored or _DECOY).split("$")
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **SCRYPT)
    return hmac.compare_digest(digest, bytes.fromhex(expected)) and stored is not None


async def get_user_async(request: web.Request) -> str | None:
    session = await _session(request)
    user = session.get("user")
    return user if isinstance(user, str) and user in USERS else None


class LoginHandler(web.View):
    async def get(self) -> web.Response:
        return _page(self.request, _login_form(self.request, self.request.query.get("next", "")))

    async def post(self) -> web.Response:
        request = self.request
        _require_xsrf(request)
        form = await request.post()
        name, password = str(form.get("username", "")), str(form.get("password", ""))
        after = str(form.get("next", ""))
        if _throttled(name):
            return _page(request, _login_form(request, after, "Too many attempts; wait a "
                                                              "minute and try again.", name), 429)
        if not check_password(name, password):
            _failures[name].append(time.monotonic())
            return _page(request, _login_form(request, after, "Wrong name or password.", name),
                         401)
        _failures.pop(name, None)
        session = await aiohttp_session.new_session(request)  # a new cookie: no fixation
        session["user"] = name
        raise web.HTTPFound(_local(after))


class LogoutHandler(web.View):
    async def get(self) -> web.Response:
        # Logging out changes state, so it takes a POST (with the XSRF field).
        return _page(self.request, f"""
            <h1>Sign out?</h1>
            <form method="post">{xsrf_form_html(self.request)}
              <button type="submit">Sign out</button>
            </form>""")

    async def post(self) -> web.Response:
        _require_xsrf(self.request)
        (await _session(self.request)).invalidate()
        raise web.HTTPFound("login")  # relative: stays under the prefix


def _login_form(request: web.Request, after: str, error: str = "", name: str = "") -> str:
    """The form; after a failed attempt it keeps the name typed and focuses the password."""
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    name_focus, password_focus = ("", " autofocus") if name else (" autofocus", "")
    return f"""
        <h1>Sign in</h1>{message}
        <form method="post">{xsrf_form_html(request)}
          <input type="hidden" name="next" value="{html.escape(after)}">
          <label>Name <input name="username" autocomplete="username" required
                 value="{html.escape(name)}"{name_focus}></label>
          <label>Password <input name="password" type="password"
                 autocomplete="current-password" required{password_focus}></label>
          <button type="submit">Sign in</button>
        </form>"""


def _page(request: web.Request, body: str, status: int = 200) -> web.Response:
    text = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ font: 16px/1.5 system-ui, sans-serif; display: grid; place-items: center;
         min-height: 90vh; margin: 0; background: #f6f7f9; color: #1f2328; }}
  main {{ background: #fff; padding: 2rem 2.5rem; border-radius: 10px;
         box-shadow: 0 2px 12px rgb(0 0 0 / 0.08); min-width: 18rem; }}
  h1 {{ font-size: 1.4rem; margin: 0 0 1rem; }}
  label {{ display: block; margin: 0 0 0.9rem; font-weight: 500; }}
  input {{ display: block; width: 100%; box-sizing: border-box; margin-top: 0.3rem;
          padding: 0.5rem; font: inherit; border: 1px solid #c9ced6; border-radius: 6px; }}
  button {{ font: inherit; padding: 0.5rem 1.2rem; border: 0; border-radius: 6px;
           background: #2563eb; color: #fff; cursor: pointer; }}
  :focus-visible {{ outline: 3px solid #93b4f5; outline-offset: 2px; }}
  .error {{ color: #b42318; }}
</style></head>
<body><main>{body}</main></body></html>"""
    return web.Response(text=text, content_type="text/html", status=status, headers={
        "Cache-Control": "no-store",
        "Content-Security-Policy": "frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
    })


def _local(url: str) -> str:
    """`next` if it is a path on this site; "./" (the app index) otherwise."""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "./"


def _throttled(name: str) -> bool:
    recent = _failures[name]
    while recent and time.monotonic() - recent[0] > FAILURE_WINDOW_S:
        recent.popleft()
    if not recent:
        del _failures[name]
    return len(recent) >= MAX_FAILURES


def _require_xsrf(request: web.Request) -> None:
    if not xsrf_token(request):
        raise web.HTTPForbidden(text="serve this auth module with --enable-xsrf-cookies")


async def _session(request: web.Request) -> aiohttp_session.Session:
    try:
        return await aiohttp_session.get_session(request)
    except RuntimeError:
        raise web.HTTPInternalServerError(
            text="serve this auth module with --cookie-secret (or AIOSERVE_COOKIE_SECRET)"
        ) from None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python auth.py NAME   (then paste the line into USERS)")
    secret = getpass.getpass(f"password for {sys.argv[1]}: ")
    print(f"    {sys.argv[1]!r}: {hash_password(secret)!r},")
