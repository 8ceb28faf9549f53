"""--enable-xsrf-cookies: a forged cross-site POST (or PUT, PATCH, DELETE) to a login,
logout or other custom handler is refused; the real form and the header work."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest

from aioserve.security.xsrf import decode_xsrf, encode_xsrf_cookie, new_xsrf_token

FORM_AUTH = """
from aiohttp import web
from aioserve.server.xsrf_middleware import xsrf_form_html

login_url = "/login"
logout_url = "/logout"

def get_user(request):
    return None

class LoginHandler(web.View):
    async def get(self):
        return web.Response(text="<form method=post>" + xsrf_form_html(self.request) + "</form>",
                            content_type="text/html")

    async def post(self):
        return web.Response(text="posted")

    async def put(self):
        return web.Response(text="put")

    async def patch(self):
        return web.Response(text="patched")

    async def delete(self):
        return web.Response(text="deleted")

class LogoutHandler(web.View):
    async def post(self):
        return web.Response(text="logged out")
"""
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_FIELD = re.compile(r'<input type="hidden" name="_xsrf" value="([^"]+)">')


@pytest.fixture
async def served(start, tmp_path):
    (tmp_path / "form_auth.py").write_text(FORM_AUTH)
    return await start(auth_module=str(tmp_path / "form_auth.py"), enable_xsrf_cookies=True)


def _set_cookie(headers) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.getall("Set-Cookie", []):
        jar.load(value)
    return jar


async def _form_value(served) -> str:
    page = await served.page("/login")
    found = _FIELD.search(page.text)
    assert found is not None, page.text
    return found[1]


async def _send(served, method: str, path: str = "/login", **kwargs) -> tuple[int, str]:
    async with served.http.request(method, served.url(path), allow_redirects=False,
                                   **kwargs) as response:
        return response.status, await response.text()


async def test_a_get_without_the_cookie_gets_one(served) -> None:
    first = await served.page("/login")
    cookie = _set_cookie(first.headers)["_xsrf"]
    assert decode_xsrf(cookie.value) is not None
    assert cookie["path"] == "/" and cookie["samesite"] == "Lax"
    assert not cookie["httponly"]  # page scripts read it to send X-XSRFToken
    again = await served.page("/login")  # the client now has it: nothing new
    assert "_xsrf" not in _set_cookie(again.headers)
    # The redirect to the login page sets it too, on a fresh client.
    served.http.cookie_jar.clear()
    redirect = await served.page("/app")
    assert redirect.status == 302 and "_xsrf" in _set_cookie(redirect.headers)


async def test_client_files_do_not_carry_the_cookie(start) -> None:
    """Shared caches keep those: a Set-Cookie there would hand one token to many users."""
    served = await start(enable_xsrf_cookies=True)
    page = await served.page("/app")
    assert "_xsrf" in _set_cookie(page.headers)
    client_js = re.search(r'src="([^"]+/aioserve\.js)"', page.text)
    assert client_js is not None
    served.http.cookie_jar.clear()
    script = await served.page(client_js[1])
    assert script.status == 200 and "_xsrf" not in _set_cookie(script.headers)
    # The websocket's handshake has gone out before its handler returns: no cookie, no error.
    async with await served.session("/app"):
        pass


@pytest.mark.parametrize("method", UNSAFE)
async def test_unsafe_requests_without_the_token_are_refused(served, method: str) -> None:
    await served.page("/login")  # the victim's browser has the cookie
    status, text = await _send(served, method)
    assert status == 403 and "'_xsrf' argument missing" in text
    status, _ = await _send(served, method, data={"_xsrf": "2|00000000|" + "ab" * 16 + "|0"})
    assert status == 403
    status, _ = await _send(served, method, headers={"X-XSRFToken": "junk"})
    assert status == 403


@pytest.mark.parametrize("method", UNSAFE)
async def test_the_masked_form_value_and_the_headers_are_accepted(served, method: str) -> None:
    value = await _form_value(served)
    cookie = served.http.cookie_jar.filter_cookies(served.server.make_url("/"))["_xsrf"].value
    expected = {"POST": "posted", "PUT": "put", "PATCH": "patched", "DELETE": "deleted"}[method]
    assert await _send(served, method, data={"_xsrf": value}) == (200, expected)
    assert await _send(served, method, headers={"X-XSRFToken": value}) == (200, expected)
    assert await _send(served, method, headers={"X-CSRFToken": value}) == (200, expected)
    assert await _send(served, method, headers={"X-XSRFToken": cookie}) == (200, expected)
    assert await _send(served, method, data={"_xsrf": cookie}) == (200, expected)


async def test_each_form_gets_a_differently_masked_value(served) -> None:
    values = {await _form_value(served) for _ in range(5)}
    assert len(values) == 5
    assert len({decode_xsrf(v) for v in values}) == 1


async def test_without_the_cookie_even_a_valid_looking_token_is_refused(served) -> None:
    """The attacker can make a token of their own, but cannot set the victim's cookie."""
    attackers = encode_xsrf_cookie(new_xsrf_token(), 0)
    served.http.cookie_jar.clear()
    assert (await _send(served, "POST", data={"_xsrf": attackers}))[0] == 403
    await served.page("/login")  # the victim's own cookie
    assert (await _send(served, "POST", data={"_xsrf": attackers}))[0] == 403
    assert (await _send(served, "POST", "/logout", data={"_xsrf": attackers}))[0] == 403
    assert await _send(served, "POST", "/logout",
                       data={"_xsrf": await _form_value(served)}) == (200, "logged out")


async def test_without_the_flag_there_is_no_check_and_no_field(start, tmp_path) -> None:
    (tmp_path / "form_auth.py").write_text(FORM_AUTH)
    served = await start(auth_module=str(tmp_path / "form_auth.py"))
    page = await served.page("/login")
    assert "_xsrf" not in page.text and "_xsrf" not in _set_cookie(page.headers)
    assert await _send(served, "POST") == (200, "posted")
