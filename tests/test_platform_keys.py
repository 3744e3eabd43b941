"""The platform JWKS cache: honours Cache-Control, refetches once on an unknown kid."""
import pytest

from app.lti.errors import LaunchError
from app.lti.platform_keys import PlatformKeyCache
from tests.lti_double import PlatformDouble, RsaKey


@pytest.fixture
def platform():
    double = PlatformDouble()
    yield double
    double.close()


def test_cached_for_max_age(platform):
    cache = PlatformKeyCache()
    url = platform.issuer + "/jwks"
    for _ in range(5):
        cache.key(url, platform.key.kid)
    assert platform.jwks_requests == 1


def test_no_store_is_honoured(platform):
    platform.cache_control = "no-store"
    cache = PlatformKeyCache()
    url = platform.issuer + "/jwks"
    cache.key(url, platform.key.kid)
    cache.key(url, platform.key.kid)
    assert platform.jwks_requests == 2


def test_unknown_kid_refetches_once(platform, monkeypatch):
    import app.lti.platform_keys as module

    monkeypatch.setattr(module, "MIN_REFETCH_SECONDS", 0)
    cache = PlatformKeyCache()
    url = platform.issuer + "/jwks"
    cache.key(url, platform.key.kid)
    rotated = RsaKey(kid="rotated")
    platform.published = [platform.key, rotated]
    assert cache.key(url, "rotated")["kid"] == "rotated"
    assert platform.jwks_requests == 2
    with pytest.raises(LaunchError) as err:
        cache.key(url, "never-published")
    assert err.value.code == "unknown_kid"
    assert platform.jwks_requests == 3  # one refetch for the unknown kid, not a loop


def test_launches_share_the_cached_jwks(app, client, platform):
    platform.register(app)
    for _ in range(3):
        assert platform.launch(client).status_code == 303
    assert platform.jwks_requests == 1
