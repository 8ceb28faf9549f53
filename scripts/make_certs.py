"""Write a development CA and a server certificate for `make certs`.

Output in DIR (default certs/): ca.pem, server.pem (localhost, 127.0.0.1, ::1) and
server-key.pem, encrypted with $AIOSERVE_SSL_PASSWORD (default "aioserve-dev"), which is
the variable `aioserve serve --ssl-keyfile` reads the password from.
"""

from __future__ import annotations

import os
import ssl
import sys
from pathlib import Path

import trustme
from cryptography.hazmat.primitives import serialization

DEFAULT_PASSWORD = "aioserve-dev"


def encrypt_key(key_pem: bytes, password: str) -> bytes:
    key = serialization.load_pem_private_key(key_pem, password=None)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )


def write_certs(out_dir: Path, password: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="aioserve development CA")
    server = ca.issue_cert("localhost", "127.0.0.1", "::1")
    ca.cert_pem.write_to_path(str(out_dir / "ca.pem"))
    (out_dir / "server.pem").write_bytes(b"".join(pem.bytes() for pem in server.cert_chain_pems))
    key_path = out_dir / "server-key.pem"
    key_path.write_bytes(encrypt_key(server.private_key_pem.bytes(), password))
    key_path.chmod(0o600)
    # Prove the pair loads the way the server will load it.
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(out_dir / "server.pem", key_path, password=password)


def main() -> None:
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "certs")
    password = os.environ.get("AIOSERVE_SSL_PASSWORD") or DEFAULT_PASSWORD
    write_certs(out_dir, password)
    print(f"wrote {out_dir}/ca.pem, {out_dir}/server.pem, {out_dir}/server-key.pem")


if __name__ == "__main__":
    main()
