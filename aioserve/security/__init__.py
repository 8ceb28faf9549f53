"""Pure security functions: session ids and tokens, Origin checks, XSRF."""

from aioserve.security.admission import (
    BadSessionId,
    WrongApp,
    check_session_id,
    check_token,
)
from aioserve.security.origins import (
    OriginPattern,
    default_allowlist,
    origin_allowed,
    parse_origin_allowlist,
)
from aioserve.security.tokens import (
    InvalidSignature,
    MalformedToken,
    TokenError,
    TokenPayload,
    TokenTooLarge,
    check_session_id_signature,
    check_token_signature,
    decode_token,
    fit_request_data,
    generate_secret_key,
    generate_session_id,
    generate_token,
    verify_token,
)
from aioserve.security.xsrf import (
    decode_xsrf,
    encode_xsrf_cookie,
    masked_form_value,
    new_xsrf_token,
    xsrf_matches,
)

__all__ = [
    "BadSessionId",
    "WrongApp",
    "check_session_id",
    "check_token",
    "InvalidSignature",
    "MalformedToken",
    "OriginPattern",
    "TokenError",
    "TokenPayload",
    "TokenTooLarge",
    "check_session_id_signature",
    "check_token_signature",
    "decode_token",
    "decode_xsrf",
    "default_allowlist",
    "encode_xsrf_cookie",
    "fit_request_data",
    "generate_secret_key",
    "generate_session_id",
    "generate_token",
    "masked_form_value",
    "new_xsrf_token",
    "origin_allowed",
    "parse_origin_allowlist",
    "verify_token",
    "xsrf_matches",
]
