"""The matching web tests' cohort, shared with the sounding-out tests."""

from tests.matching.test_matching_web import cohort  # noqa: F401
