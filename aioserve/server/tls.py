"""The server's TLS context, from --ssl-certfile / --ssl-keyfile and AIOSERVE_SSL_PASSWORD."""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

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
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(_why_not(config, exc)) from None
    return context


def _why_not(config: Config, exc: Exception) -> str:
    """A one-line reason OpenSSL's own ("PEM lib") would not give."""
    assert config.ssl_certfile is not None
    cert_file, key_file = config.ssl_certfile, config.ssl_keyfile or config.ssl_certfile
    try:
        x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    except (ValueError, OSError):
        return f"--ssl-certfile {cert_file} holds no PEM certificate"
    key_pem = Path(key_file).read_bytes()
    encrypted = b"ENCRYPTED" in key_pem  # PKCS#8 and traditional encrypted PEM both say so
    if encrypted and config.ssl_password is None:
        return "the TLS key is encrypted: set AIOSERVE_SSL_PASSWORD"
    given = config.ssl_password.encode() if encrypted and config.ssl_password else None
    try:
        serialization.load_pem_private_key(key_pem, password=given)
    except (TypeError, ValueError):
        if encrypted:
            return f"AIOSERVE_SSL_PASSWORD does not decrypt the TLS key in {key_file}"
        return f"no usable PEM private key in {key_file}"
    if isinstance(exc, ssl.SSLError) and exc.reason == "KEY_VALUES_MISMATCH":
        return f"the TLS key in {key_file} does not match the certificate in {cert_file}"
    return f"cannot load the TLS certificate or key: {getattr(exc, 'reason', None) or exc}"
