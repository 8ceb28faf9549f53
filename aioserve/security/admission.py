"""Who may open which session: the one check of a session id and of a token.

The page (a requested `?aioserve-session-id=`), the websocket (the token it
presents) and any other engine call these, so an id refused in one place is
refused everywhere. Pure functions of their inputs; nothing here knows what a
document or a request is.

- A session id is 1 to 256 characters of `A-Z a-z 0-9 . _ ~ -` (Bokeh's ids,
  signed or not, fit), so it is safe in a log line, a URL and a file name; in
  signed modes it must carry our signature.
- A token must be well-formed and, in signed modes, signed with our key; the
  id inside it passes `check_session_id`. A token that names its app
  (`aioserve_app`, written by every token we mint) opens only that app; one
  without the field (minted by Bokeh or another service) is valid for any app,
  as DESIGN 1.4 promises. Expiry is the caller's business: an old token may
  still rejoin a live session, only creating one needs a young token.
"""

from __future__ import annotations

import re

from aioserve.security.tokens import (
    InvalidSignature,
    MalformedToken,
    TokenError,
    TokenPayload,
    check_session_id_signature,
    verify_token,
)

SESSION_ID_SHAPE = re.compile(r"[A-Za-z0-9._~-]{1,256}")
# A header line may be at most 8190 bytes in aiohttp (and nginx); a longer
# token is never ours, so it is refused before any decoding.
MAX_TOKEN_CHARS = 8190


class BadSessionId(TokenError):
    """The session id is not 1 to 256 characters of A-Z a-z 0-9 . _ ~ -."""


class WrongApp(TokenError):
    """The token was minted for another app of the server."""


def check_session_id(session_id: object, *, signed: bool, secret_key: str | None) -> str:
    """`session_id` if it has the allowed shape (and, when `signed`, our signature).

    Raises BadSessionId or InvalidSignature; their messages never quote the id,
    so they are safe to log and to show.
    """
    if not isinstance(session_id, str) or SESSION_ID_SHAPE.fullmatch(session_id) is None:
        raise BadSessionId("Invalid session ID: 1 to 256 characters of A-Z a-z 0-9 . _ ~ -")
    if signed and not check_session_id_signature(session_id, secret_key, signed=True):
        raise InvalidSignature("session id signature does not match")
    return session_id


def check_token(token: str, *, app_path: str, signed: bool,
                secret_key: str | None) -> TokenPayload:
    """The payload of a token that may open a session of the app at `app_path`.

    Raises a TokenError subclass (MalformedToken, InvalidSignature,
    BadSessionId, WrongApp) whose message says why without quoting the token.
    """
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedToken(f"token longer than {MAX_TOKEN_CHARS} characters")
    payload = verify_token(token, secret_key=secret_key, signed=signed)
    check_session_id(payload.session_id, signed=signed, secret_key=secret_key)
    if payload.app_path is not None and payload.app_path != app_path:
        raise WrongApp("token was minted for another app")
    return payload
