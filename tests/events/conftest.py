import pytest

from tests.sparring.world import build_world


@pytest.fixture
def world(app, platform):
    return build_world(app, platform)
