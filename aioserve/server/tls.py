"""The server's TLS context, from --ssl-certfile / --ssl-keyfile and AIOSERVE_SSL_PASSWORD."""

from __future__ import annotations

import ssl
from pathlib import Path

from aioserve.config import Config
from aioserve.errors import ConfigError


def ssl_context(config: Config) -> ssl.SSLContext | None:
    """None without a certificate; otherwise a TLS 1.2+ server context.

    A wrong password, or an encrypted key without one, is a ConfigError: we
    always hand OpenSSL a password callback, so it never prompts on a terminal.
    """
    if not config.ssl_certfile:
        return None
    for option, path in (("--ssl-certfile", config.ssl_certfile),
                         ("--ssl-keyfile", config.ssl_keyfile)):
        if path and not Path(path).is_file():
            raise ConfigError(f"{option}: no such file: {path}")

    def password() -> str:
        if config.ssl_password is None:
            raise ConfigError("the TLS key is encrypted: set AIOSERVE_SSL_PASSWORD")
        return config.ssl_password

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(config.ssl_certfile, config.ssl_keyfile, password=password)
    except ConfigError:
        raise
    except ssl.SSLError as exc:
        raise ConfigError(f"cannot load the TLS certificate or key (wrong password, or a key "
                          f"that does not match the certificate?): {exc.reason or exc}") from None
    return context
