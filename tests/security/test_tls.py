"""TLS from --ssl-certfile / --ssl-keyfile / AIOSERVE_SSL_PASSWORD: served over https and
wss to a client that trusts the CA; every bad key refuses to start with one line."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from aioserve.client import ClientSession

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def certs(ca: trustme.CA, tmp_path: Path) -> dict[str, Path]:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    files = {
        "ca": tmp_path / "ca.pem",
        "cert": tmp_path / "server.pem",
        "key": tmp_path / "server-key.pem",
        "encrypted_key": tmp_path / "server-key-encrypted.pem",
        "combined": tmp_path / "combined.pem",
    }
    ca.cert_pem.write_to_path(str(files["ca"]))
    chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
    files["cert"].write_bytes(chain)
    cert.private_key_pem.write_to_path(str(files["key"]))
    files["encrypted_key"].write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSWORD.encode())))
    files["combined"].write_bytes(cert.private_key_pem.bytes() + chain)
    (tmp_path / "app.py").write_text(
        "from aioserve import curdoc\nfrom aioserve.models import Div\n"
        "curdoc().add_root(Div(name='hello', text='over tls'))\n")
    return files


def _environ(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIOSERVE_", "BOKEH_"))}
    return {**env, **extra}


async def _check_served(base_url: str, ca_file: Path) -> None:
    assert base_url.startswith("https://")
    trusting = ssl.create_default_context(cafile=str(ca_file))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusting)) as http:
        async with http.get(f"{base_url}/app") as response:
            assert response.status == 200
        origin = base_url.replace("127.0.0.1", "localhost")
        async with await ClientSession.open(f"{base_url}/app", http=http, origin=origin) as s:
            assert s.document.find(name="hello")["text"] == "over tls"
        # The default origin is this server, https included: an http page is another origin.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await ClientSession.open(f"{base_url}/app", http=http,
                                     origin=origin.replace("https://", "http://"))
        assert refused.value.status == 403
    # A client that does not trust the CA gets nowhere.
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(f"{base_url}/app")


async def test_serves_https_and_wss_with_a_password_protected_key(cli_server, certs) -> None:
    server = cli_server("app.py", "--ssl-certfile", str(certs["cert"]),
                        "--ssl-keyfile", str(certs["encrypted_key"]),
                        env=_environ(AIOSERVE_SSL_PASSWORD=PASSWORD))
    assert server.app_urls[0].startswith("https://127.0.0.1:")
    await _check_served(server.base_url, certs["ca"])


async def test_certificate_and_key_from_the_environment(cli_server, certs) -> None:
    server = cli_server("app.py", env=_environ(AIOSERVE_SSL_CERTFILE=str(certs["cert"]),
                                               AIOSERVE_SSL_KEYFILE=str(certs["key"])))
    await _check_served(server.base_url, certs["ca"])


async def test_a_certfile_holding_the_key_needs_no_keyfile(cli_server, certs) -> None:
    server = cli_server("app.py", "--ssl-certfile", str(certs["combined"]), env=_environ())
    await _check_served(server.base_url, certs["ca"])


def _refusal(certs: dict[str, Path], args: list[str], **env: str) -> str:
    """Run the CLI with no terminal and stdin closed; it must exit with one Error line."""
    done = subprocess.run(
        [sys.executable, "-m", "aioserve", "serve", "app.py", "--port", "0",
         "--address", "127.0.0.1", *args],
        cwd=certs["cert"].parent, env=_environ(**env), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=30,
        start_new_session=True)  # no controlling terminal: a prompt could not even be shown
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "running at" not in done.stderr and "Draining" not in done.stderr  # nothing started
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, done.stderr
    return errors[0]


def test_wrong_password_refuses_to_start(certs) -> None:
    line = _refusal(certs, ["--ssl-certfile", str(certs["cert"]),
                            "--ssl-keyfile", str(certs["encrypted_key"])],
                    AIOSERVE_SSL_PASSWORD="wrong")
    assert line == ("Error: AIOSERVE_SSL_PASSWORD does not decrypt the TLS key in "
                    f"{certs['encrypted_key']}")


@pytest.mark.parametrize("procs", ["1", "2"])
def test_encrypted_key_without_password_refuses_to_start(procs: str, certs) -> None:
    line = _refusal(certs, ["--ssl-certfile", str(certs["cert"]), "--num-procs", procs,
                            "--ssl-keyfile", str(certs["encrypted_key"])])
    assert line == "Error: the TLS key is encrypted: set AIOSERVE_SSL_PASSWORD"


def test_key_not_matching_the_certificate_refuses_to_start(certs, ca: trustme.CA,
                                                           tmp_path: Path) -> None:
    other = tmp_path / "other-key.pem"
    ca.issue_cert("127.0.0.1").private_key_pem.write_to_path(str(other))
    line = _refusal(certs, ["--ssl-certfile", str(certs["cert"]), "--ssl-keyfile", str(other)])
    assert line == (f"Error: the TLS key in {other} does not match the certificate in "
                    f"{certs['cert']}")


def test_missing_files_refuse_to_start(certs) -> None:
    line = _refusal(certs, ["--ssl-certfile", "nowhere.pem"])
    assert "nowhere.pem" in line and "does not exist" in line
    line = _refusal(certs, [], AIOSERVE_SSL_CERTFILE=str(certs["cert"]),
                    AIOSERVE_SSL_KEYFILE="missing-key.pem")
    assert line == "Error: --ssl-keyfile: no such file: missing-key.pem"
    line = _refusal(certs, [], AIOSERVE_SSL_CERTFILE="missing-cert.pem")
    assert line == "Error: --ssl-certfile: no such file: missing-cert.pem"


def test_a_file_that_is_no_certificate_refuses_to_start(certs) -> None:
    not_a_cert = certs["cert"].parent / "app.py"
    line = _refusal(certs, ["--ssl-certfile", str(not_a_cert)])
    assert line == f"Error: --ssl-certfile {not_a_cert} holds no PEM certificate"
    line = _refusal(certs, ["--ssl-certfile", str(certs["cert"])])  # and no key in it
    assert line == f"Error: no usable PEM private key in {certs['cert']}"


async def test_make_certs_writes_files_the_server_takes(cli_server, tmp_path: Path) -> None:
    out = tmp_path / "certs"
    env = _environ(AIOSERVE_SSL_PASSWORD=PASSWORD)
    make = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "scripts" / "make_certs.py"), str(out), env=env,
        stdout=asyncio.subprocess.DEVNULL)
    assert await asyncio.wait_for(make.wait(), 60) == 0
    assert b"ENCRYPTED" in (out / "server-key.pem").read_bytes()
    assert (out / "server-key.pem").stat().st_mode & 0o077 == 0
    (tmp_path / "app.py").write_text(
        "from aioserve import curdoc\nfrom aioserve.models import Div\n"
        "curdoc().add_root(Div(name='hello', text='over tls'))\n")
    server = cli_server("app.py", "--ssl-certfile", str(out / "server.pem"),
                        "--ssl-keyfile", str(out / "server-key.pem"), env=env)
    await _check_served(server.base_url, out / "ca.pem")
