"""Start the test identity provider (settings.py beside this) on a free loopback port, in its own process."""

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]
CLIENT_ID = "bcf-programme"
CLIENT_SECRET = "test-client-secret-not-real"  # noqa: S105 - the throwaway provider's client
PASSWORD = "provider-password-1"  # noqa: S105


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rsa_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class Provider:
    def __init__(self, url: str):
        self.url = url
        self.issuer = f"{url}/o"

    def rp_settings(self) -> dict:
        """The settings the app under test needs to use this provider (what an Entra ID set-up gives)."""
        return {
            "SSO_ENABLED": True,
            "SSO_PROVIDER_NAME": "Test identity provider",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize/",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token/",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo/",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/.well-known/jwks.json",
        }


@contextmanager
def running_provider(workdir: Path, *, redirect_uri: str, people: list[dict]):
    """A real django-oauth-toolkit OpenID Connect provider on 127.0.0.1, stopped afterwards."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    key = workdir / "idp-key.pem"
    key.write_text(_rsa_key_pem())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.accounts.oidc_provider.settings",
        "TEST_IDP_DB": str(workdir / "idp.sqlite3"),
        "TEST_IDP_KEY": str(key),
        "TEST_IDP_ISSUER": f"{url}/o",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    spec = {
        "people": people,
        "password": PASSWORD,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": redirect_uri,
    }
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.accounts.oidc_provider.setup_provider", json.dumps(spec)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    log = (workdir / "idp.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tests.accounts.oidc_provider.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/o/.well-known/openid-configuration/", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # still starting (a loaded machine is slow)
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The test identity provider did not start: {(workdir / 'idp.log').read_text()}")
            time.sleep(0.2)
        yield Provider(url)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
