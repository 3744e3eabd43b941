"""The ``lti_message_hint``: a short HS256 JWT the platform gives itself at ``/launch/init`` and
reads back at ``/auth``, carrying who launches what in which locale. The platform keeps no
server state, so any process with the same key folder can finish a login another one began.
"""

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
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise HintError("expired") from exc
    except jwt.InvalidTokenError as exc:
        raise HintError(str(exc) or exc.__class__.__name__) from exc
