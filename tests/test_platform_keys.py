"""The platform JWKS cache: honours Cache-Control, refetches once on an unknown kid."""

import pytest
from flask import Flask

from app.lti.errors import LaunchError
from app.lti.platform_keys import PlatformKeyCache
from tests.support.lti_double import PlatformDouble, RsaKey


@pytest.fixture(autouse=True)
def development():
    """The double serves plain http on loopback, which only a development app fetches from."""
    app = Flask(__name__)
    app.config["APP_ENV"] = "development"
    with app.app_context():
        yield


@pytest.fixture
def jwks_platform():
    double = PlatformDouble()
    yield double
    double.close()


def test_cached_for_max_age(jwks_platform):
    cache = PlatformKeyCache()
    url = jwks_platform.issuer + "/jwks"
    for _ in range(5):
        cache.key(url, jwks_platform.key.kid)
    assert jwks_platform.jwks_requests == 1


def test_no_store_is_honoured(jwks_platform):
    jwks_platform.cache_control = "no-store"
    cache = PlatformKeyCache()
    url = jwks_platform.issuer + "/jwks"
    cache.key(url, jwks_platform.key.kid)
    cache.key(url, jwks_platform.key.kid)
    assert jwks_platform.jwks_requests == 2


def test_unknown_kid_refetches_once(jwks_platform, monkeypatch):
    import app.lti.platform_keys as module

    monkeypatch.setattr(module, "MIN_REFETCH_SECONDS", 0)
    cache = PlatformKeyCache()
    url = jwks_platform.issuer + "/jwks"
    cache.key(url, jwks_platform.key.kid)
    rotated = RsaKey(kid="rotated")
    jwks_platform.published = [jwks_platform.key, rotated]
    assert cache.key(url, "rotated")["kid"] == "rotated"
    assert jwks_platform.jwks_requests == 2
    with pytest.raises(LaunchError) as err:
        cache.key(url, "never-published")
    assert err.value.code == "unknown_kid"
    assert jwks_platform.jwks_requests == 3  # one refetch for the unknown kid, not a loop


def test_launches_share_the_cached_jwks(app, client, jwks_platform):
    jwks_platform.register(app)
    for _ in range(3):
        assert jwks_platform.launch(client).status_code == 303
    assert jwks_platform.jwks_requests == 1


def test_public_key_is_parsed_once_per_fetched_key(jwks_platform):
    jwks_platform.cache_control = "no-store"
    cache = PlatformKeyCache()
    url = jwks_platform.issuer + "/jwks"
    first = cache.public_key(url, jwks_platform.key.kid)
    assert first.public_numbers() == jwks_platform.key.private.public_key().public_numbers()
    # Every call refetches (no-store) and so parses the JWK it fetched; a kept JWK is not reparsed.
    assert cache.public_key(url, jwks_platform.key.kid) is not first
    jwks_platform.cache_control = "max-age=300"
    kept = cache.public_key(url, jwks_platform.key.kid)
    assert cache.public_key(url, jwks_platform.key.kid) is kept
    assert jwks_platform.jwks_requests == 3
