"""examples/auth/auth.py, attacked over HTTP: forged cookies, forged forms, guessed
passwords and open redirects all fail; the real login reaches the app as its user."""

from __future__ import annotations

import re
import secrets
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "auth"
_FIELD = re.compile(r'<input type="hidden" name="_xsrf" value="([^"]+)">')


@pytest.fixture
async def served(start):
    return await start({"/app": EXAMPLE}, auth_module=str(EXAMPLE / "auth.py"),
                       enable_xsrf_cookies=True, cookie_secret=secrets.token_urlsafe(32))


async def _xsrf(served, path: str = "/login") -> str:
    found = _FIELD.search((await served.page(path)).text)
    assert found is not None
    return found[1]


async def _login(served, name: str, password: str, after: str = "/app",
                 xsrf: str | None = None) -> tuple[int, str, str]:
    form = {"username": name, "password": password, "next": after,
            "_xsrf": xsrf if xsrf is not None else await _xsrf(served)}
    async with served.http.post(served.url("/login"), data=form,
                                allow_redirects=False) as response:
        return response.status, response.headers.get("Location", ""), await response.text()


def _greeting(session) -> str:
    return str(session.document.find(name="greeting")["text"])


async def test_logging_in_reaches_the_app_as_the_user(served) -> None:
    refused = await served.page("/app")
    assert refused.status == 302 and refused.headers["Location"].startswith("/login?next=")
    status, location, _ = await _login(served, "demo", "demo-password")
    assert (status, location) == (302, "/app")
    cookie = served.http.cookie_jar.filter_cookies(served.server.make_url("/"))
    login_cookie = cookie["aioserve_session"]
    assert "demo" not in login_cookie.value  # encrypted, not a readable "user" cookie
    async with await served.session("/app") as session:
        assert _greeting(session) == "Signed in as <b>demo</b>"
        await session.click(session.document.find(type="Button"))
        await session.wait_for(lambda doc: "demo clicked 1" in doc.find(name="count")["text"])


async def test_login_cookie_is_http_only_and_same_site(served) -> None:
    await _xsrf(served)
    form = {"username": "demo", "password": "demo-password", "_xsrf": await _xsrf(served)}
    async with served.http.post(served.url("/login"), data=form,
                                allow_redirects=False) as response:
        jar: SimpleCookie = SimpleCookie()
        for value in response.headers.getall("Set-Cookie"):
            jar.load(value)
    assert jar["aioserve_session"]["httponly"] and jar["aioserve_session"]["samesite"] == "Lax"


async def test_a_wrong_password_or_unknown_name_gets_nothing(served) -> None:
    for name, password in (("demo", "wrong"), ("root", "demo-password"), ("demo", "")):
        status, _, text = await _login(served, name, password)
        assert status == 401 and "Wrong name or password" in text
        assert (await served.page("/app")).status == 302


async def test_guessing_is_slowed_down(served) -> None:
    for _ in range(5):
        assert (await _login(served, "demo", "guess"))[0] == 401
    status, _, text = await _login(served, "demo", "demo-password")
    assert status == 429 and "Too many attempts" in text


async def test_forged_cookies_get_nothing(served) -> None:
    served.http.cookie_jar.update_cookies({"user": "demo", "aioserve_session": "demo"})
    assert (await served.page("/app")).status == 302
    await _login(served, "demo", "demo-password")
    real = served.http.cookie_jar.filter_cookies(served.server.make_url("/"))[
        "aioserve_session"].value
    tampered = real[:-6] + ("AAAAAA" if not real.endswith("AAAAAA") else "BBBBBB")
    served.http.cookie_jar.clear()
    served.http.cookie_jar.update_cookies({"aioserve_session": tampered})
    assert (await served.page("/app")).status == 302


async def test_a_cookie_from_a_server_with_another_secret_is_worthless(start, served) -> None:
    await _login(served, "demo", "demo-password")
    cookie = served.http.cookie_jar.filter_cookies(served.server.make_url("/"))[
        "aioserve_session"].value
    other = await start({"/app": EXAMPLE}, auth_module=str(EXAMPLE / "auth.py"),
                        enable_xsrf_cookies=True, cookie_secret=secrets.token_urlsafe(32))
    other.http.cookie_jar.update_cookies({"aioserve_session": cookie})
    assert (await other.page("/app")).status == 302


async def test_a_cross_site_login_form_is_refused(served) -> None:
    """Login CSRF: another site posting its own credentials into the victim's browser."""
    await served.page("/login")  # the victim has an _xsrf cookie
    status, _, _ = await _login(served, "demo", "demo-password", xsrf="")
    assert status == 403
    status, _, _ = await _login(served, "demo", "demo-password",
                                xsrf="2|00000000|" + "00" * 16 + "|0")
    assert status == 403


@pytest.mark.parametrize("after", ["https://evil.example/", "//evil.example/x",
                                   "/\\evil.example", "javascript:alert(1)", ""])
async def test_next_never_leaves_the_site(served, after: str) -> None:
    status, location, _ = await _login(served, "demo", "demo-password", after)
    assert (status, location) == (302, "./")


async def test_logging_out_takes_a_real_form(served) -> None:
    await _login(served, "demo", "demo-password")
    confirm = await served.page("/logout")
    assert confirm.status == 200 and "_xsrf" in confirm.text
    assert (await served.page("/app")).status == 200  # a GET (a link, an <img>) logs nobody out
    async with served.http.post(served.url("/logout"), data={},
                                allow_redirects=False) as response:
        assert response.status == 403  # no XSRF field: a forged logout
    assert (await served.page("/app")).status == 200
    async with served.http.post(served.url("/logout"), data={"_xsrf": await _xsrf(served,
                                "/logout")}, allow_redirects=False) as response:
        assert (response.status, response.headers["Location"]) == (302, "login")
    assert (await served.page("/app")).status == 302


async def test_the_login_page_cannot_be_framed_or_cached(served) -> None:
    page = await served.page("/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


async def test_without_xsrf_protection_the_example_refuses_to_log_in(start) -> None:
    served = await start({"/app": EXAMPLE}, auth_module=str(EXAMPLE / "auth.py"),
                         cookie_secret=secrets.token_urlsafe(32))
    status, _, text = await _login(served, "demo", "demo-password", xsrf="")
    assert status == 403 and "--enable-xsrf-cookies" in text


async def test_the_logout_link_reaches_the_app_under_the_prefix(start) -> None:
    served = await start({"/app": EXAMPLE}, auth_module=str(EXAMPLE / "auth.py"),
                         enable_xsrf_cookies=True, cookie_secret=secrets.token_urlsafe(32),
                         prefix="/team")
    refused = await served.page("/team/app")
    assert refused.headers["Location"].startswith("/team/login?next=")
    form = {"username": "demo", "password": "demo-password", "next": "/team/app",
            "_xsrf": await _xsrf(served, "/team/login")}
    async with served.http.post(served.url("/team/login"), data=form,
                                allow_redirects=False) as response:
        assert response.headers["Location"] == "/team/app"
    async with await served.session("/team/app") as session:
        links = [m["text"] for m in session.document.models.values()
                 if m.type == "Div" and "Sign out" in m.props.get("text", "")]
        assert links == ['<a href="/team/logout">Sign out</a>']
