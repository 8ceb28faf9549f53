"""examples/embed/site.py plus one test-only route, for the gunicorn test.

`/test/hold?s=S` answers its worker's pid at once, then blocks that worker's
event loop for S seconds: while it is blocked, the kernel can only hand new
connections to the other worker. That makes "this request reaches the other
worker" deterministic instead of up to the kernel's whims.
"""

from __future__ import annotations

from examples.embed.site import app
from tests.embed.hold import hold

app.router.add_get("/test/hold", hold)
