"""The app behind examples/auth/auth.py: it greets whoever signed in.

    export AIOSERVE_COOKIE_SECRET="$(aioserve secret)"
    aioserve serve examples/auth --auth-module examples/auth/auth.py --enable-xsrf-cookies
"""

import html

from aioserve import curdoc
from aioserve.models import Button, Column, Div

doc = curdoc()
context = doc.session_context
user = str(context.user)
signed_in = context.logout_url is not None

greeting = Div(name="greeting", text=f"Signed in as <b>{html.escape(user)}</b>" if signed_in
               else "Served without --auth-module: everyone is <b>default_user</b>.")
links = Div(text=f'<a href="{html.escape(context.logout_url)}">Sign out</a>' if signed_in
            else "")
count = Div(name="count", text="No clicks yet.")
clicks = 0


def clicked() -> None:
    global clicks
    clicks += 1
    count.text = f"{html.escape(user)} clicked {clicks} time(s)."


button = Button(label="Click me", button_type="primary")
button.on_click(clicked)
doc.title = "Signed in"
doc.add_root(Column(greeting, button, count, links))
