"""The ``lti_message_hint``: a short HS256 JWT the platform gives itself at ``/launch/init`` and
reads back at ``/auth``, carrying who launches what in which locale. Any process with the same
instance folder can finish a login another one began.

Like Moodle's (a launch id that ``mod/lti/auth.php`` unsets from the session on first use), a hint
is good for one authentication request: ``/auth`` consumes its ``jti`` by creating a file in the
instance folder, which fails for the second one whichever process answers.
"""

import os
import secrets
import time

import jwt

from .config import PlatformConfig
from .keys import PlatformKey

PURPOSE = "lti_message_hint"


class HintError(ValueError):
    pass


def make_message_hint(
    platform: PlatformConfig,
    key: PlatformKey,
    *,
    user_id: str,
    locale: str,
    resource_link_id: str,
    resource_link_title: str,
    document_target: str,
    now: int,
    deep_linking: dict | None = None,
) -> str:
    claims = {
        "iss": platform.issuer,
        "aud": PURPOSE,
        "iat": now,
        "exp": now + platform.message_hint_lifetime,
        "sub": str(user_id),
        "locale": locale,
        "rl": resource_link_id,
        "rlt": resource_link_title,
        "dt": document_target,
        "jti": secrets.token_urlsafe(16),
    }
    if deep_linking is not None:  # a deep-linking request's settings instead of a resource link
        claims["dl"] = deep_linking
    return jwt.encode(claims, key.derived_secret(PURPOSE), algorithm="HS256")


def read_message_hint(platform: PlatformConfig, key: PlatformKey, token: str) -> dict:
    """The hint's claims, or ``HintError`` if it was not issued by this platform (or expired)."""
    try:
        return jwt.decode(
            token,
            key.derived_secret(PURPOSE),
            algorithms=["HS256"],
            audience=PURPOSE,
            issuer=platform.issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise HintError("expired") from exc
    except jwt.InvalidTokenError as exc:
        raise HintError(str(exc) or exc.__class__.__name__) from exc


def consume_message_hint(platform: PlatformConfig, claims: dict) -> None:
    """Mark the hint used; ``HintError`` if it was used before (a replayed login)."""
    folder = platform.instance / "used_hints"
    folder.mkdir(parents=True, exist_ok=True)
    jti = str(claims["jti"])
    if not jti.replace("-", "").replace("_", "").isalnum():
        raise HintError("malformed jti")
    try:
        os.close(os.open(folder / jti, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        raise HintError("already used") from None
    # Forget hints that have expired anyway (their signatures no longer verify).
    horizon = time.time() - platform.message_hint_lifetime - 60
    for used in folder.iterdir():
        try:
            if used.stat().st_mtime < horizon:
                used.unlink()
        except FileNotFoundError:  # another process pruned it first
            pass
