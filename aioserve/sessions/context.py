"""What app code sees of its session: `doc.session_context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RequestData:
    """The page request, as carried by the session's token.

    `arguments` maps each query parameter to its list of values as bytes, as
    in Bokeh. Any process can rebuild this from the token alone.
    """

    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    arguments: dict[str, list[bytes]] = field(default_factory=dict)

    @classmethod
    def from_token_extra(cls, extra: dict[str, Any]) -> RequestData:
        def strings(value: Any) -> dict[str, str]:
            if not isinstance(value, dict):
                return {}
            return {str(k): str(v) for k, v in value.items()}

        arguments: dict[str, list[bytes]] = {}
        raw_args = extra.get("arguments")
        if isinstance(raw_args, dict):
            for name, values in raw_args.items():
                if isinstance(values, list):
                    arguments[str(name)] = [v if isinstance(v, bytes) else str(v).encode()
                                            for v in values]
        return cls(strings(extra.get("headers")), strings(extra.get("cookies")), arguments)


@dataclass(slots=True, eq=False)
class SessionContext:
    """Bokeh's `session_context`: id, request, user, token payload, server context."""

    id: str
    request: RequestData
    user: Any = "default_user"
    logout_url: str | None = None
    token_payload: dict[str, Any] = field(default_factory=dict)
    server_context: Any = None
    app_path: str = "/"
    destroyed: bool = False
