"""The platform's RSA signing key: generated on first use into the instance folder, shared by
every process that uses the same folder, never committed.

The key id is the key's RFC 7638 JWK thumbprint, so it is stable and needs no storage.
"""

import base64
import hashlib
import hmac
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import cast

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_FILE = "private_key.pem"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64_uint(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def rfc7638_thumbprint(jwk: dict) -> str:
    """SHA-256 JWK thumbprint: the required members only, sorted, no whitespace."""
    if jwk.get("kty") != "RSA":
        raise ValueError("only RSA keys are supported")
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def _create_key_file(path: Path) -> None:
    """Write a new key so that the file appears complete or not at all; the first writer wins.

    The key goes to a private temporary file in the same folder, then ``os.link`` publishes it:
    link never replaces an existing file, so a process that lost the race reads the winner's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(prefix=".key-", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


class PlatformKey:
    def __init__(self, private_pem: bytes):
        self.private_pem = private_pem
        # The platform's keys are RSA (RS256): it generates them itself.
        self.private_key = cast(rsa.RSAPrivateKey, serialization.load_pem_private_key(private_pem, password=None))
        numbers = self.private_key.public_key().public_numbers()
        self._public = {"kty": "RSA", "n": _b64_uint(numbers.n), "e": _b64_uint(numbers.e)}
        self.kid = rfc7638_thumbprint(self._public)

    def public_jwk(self) -> dict:
        return {**self._public, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def sign(self, claims: dict, headers: dict | None = None) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})})

    def derived_secret(self, purpose: str) -> bytes:
        """A symmetric secret for one purpose, derived from the private key (HMAC-SHA256).

        Every process with the same key file derives the same secret, so HS256 tokens the
        platform gives itself (the login message hint) need no shared server state.
        """
        der = self.private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return hmac.new(der, b"tulanet-devplatform:" + purpose.encode(), hashlib.sha256).digest()


class KeyStore:
    """Loads (creating if needed) the key in ``folder`` once per process, on first use."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / KEY_FILE
        self._key: PlatformKey | None = None
        self._lock = threading.Lock()

    def current(self) -> PlatformKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    if not self.path.exists():
                        _create_key_file(self.path)
                    self._key = PlatformKey(self.path.read_bytes())
        return self._key

    def jwks(self) -> dict:
        return {"keys": [self.current().public_jwk()]}
