"""The tool's signing keys, generated on first use into the instance folder (never committed).

A key set file lists every key with its creation and retirement time. Signing uses the newest
key; after ``rotate`` the previous key stays in the JWKS for a grace period, so a platform that
cached our JWKS can still verify what the old key signed.
"""

import base64
import fcntl
import functools
import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEYSET_FILE = "keyset.json"


@dataclass(frozen=True)
class ToolKey:
    kid: str
    private_pem: str
    public_jwk: dict
    created: float
    retired: float | None

    @property
    def signing_key(self) -> rsa.RSAPrivateKey:
        """The parsed key to sign with (PyJWT given the PEM would parse it again for each token)."""
        return _parse(self.private_pem)


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@functools.lru_cache(maxsize=16)
def _parse(private_pem: str) -> rsa.RSAPrivateKey:
    # Parsing validates the RSA key, tens of milliseconds each time: once per key and process.
    # The tool's keys are RSA (RS256): it generates them itself.
    return cast(rsa.RSAPrivateKey, serialization.load_pem_private_key(private_pem.encode(), password=None))


def public_jwk(private_pem: str) -> dict:
    numbers = _parse(private_pem).public_key().public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    # RFC 7638 thumbprint: stable, and the same on every worker.
    thumb = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode())
    kid = base64.urlsafe_b64encode(thumb.digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


class KeyStore:
    def __init__(self, directory: str, grace_seconds: int):
        self.dir = Path(directory)
        self.grace_seconds = grace_seconds
        self._cache: tuple[float, list[ToolKey]] | None = None

    @contextmanager
    def _lock(self):
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.dir / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _read(self) -> list[ToolKey]:
        path = self.dir / KEYSET_FILE
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        # Re-read only when another process rotated the keys.
        if self._cache and self._cache[0] == mtime:
            return self._cache[1]
        entries = json.loads(path.read_text())
        keys = []
        for entry in entries:
            pem = (self.dir / f"{entry['kid']}.pem").read_text()
            keys.append(ToolKey(entry["kid"], pem, public_jwk(pem), entry["created"], entry.get("retired")))
        self._cache = (mtime, keys)
        return keys

    def _write(self, keys: list[ToolKey]) -> None:
        path = self.dir / KEYSET_FILE
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        data = [{"kid": k.kid, "created": k.created, "retired": k.retired} for k in keys]
        tmp.write_text(json.dumps(data, indent=2))
        os.replace(tmp, path)

    def _new_key(self, now: float) -> ToolKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        jwk = public_jwk(pem)
        pem_path = self.dir / f"{jwk['kid']}.pem"
        fd = os.open(pem_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(pem)
        return ToolKey(jwk["kid"], pem, jwk, now, None)

    def current(self) -> ToolKey:
        keys = self._read()
        if not keys or keys[-1].retired is not None:
            with self._lock():
                keys = self._read()
                if not keys or keys[-1].retired is not None:
                    keys = keys + [self._new_key(time.time())]
                    self._write(keys)
                    keys = self._read()
        return keys[-1]

    def has_current(self) -> bool:
        """A signing key is in place (without making one, unlike ``current``)."""
        keys = self._read()
        return bool(keys) and keys[-1].retired is None

    def rotate(self, now: float | None = None) -> tuple[ToolKey | None, ToolKey]:
        """Make a new signing key; the old one is retired but published for the grace period."""
        now = time.time() if now is None else now
        with self._lock():
            keys = self._read()
            old = keys[-1] if keys else None
            kept = []
            for k in keys:
                if k.retired is None:
                    k = ToolKey(k.kid, k.private_pem, k.public_jwk, k.created, now)
                assert k.retired is not None  # retired now, if not before
                if now - k.retired < self.grace_seconds:
                    kept.append(k)
                else:
                    (self.dir / f"{k.kid}.pem").unlink(missing_ok=True)
            new = self._new_key(now)
            self._write(kept + [new])
            return old, new

    def jwks(self, now: float | None = None) -> dict:
        now = time.time() if now is None else now
        self.current()
        published = [k.public_jwk for k in self._read() if k.retired is None or now - k.retired < self.grace_seconds]
        return {"keys": published}

    def all_keys(self) -> list[ToolKey]:
        self.current()
        return list(self._read())
