"""The exceptions aioserve raises; only the CLI turns them into exit codes."""


class AioserveError(Exception):
    """Base class of every error aioserve raises on purpose."""


class ConfigError(AioserveError, ValueError):
    """An option has a value the server cannot run with."""


class AppLoadError(AioserveError):
    """An application path cannot be turned into an application."""


class ProtocolError(AioserveError):
    """A client message breaks the wire protocol (see docs/protocol.md)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
