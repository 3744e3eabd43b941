import pytest

from tests.support.sparring_world import build_world


@pytest.fixture
def world(app, platform):
    return build_world(app, platform)
