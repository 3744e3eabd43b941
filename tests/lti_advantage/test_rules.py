"""Pure delivery rules: score checks, strictly-later timestamps, backoff, Retry-After, URLs."""

from datetime import datetime

import pytest

from app.core.outbox import backoff_seconds
from app.lti.rules import (
    ScoreRejected,
    check_score,
    is_retryable,
    iso_timestamp,
    parse_retry_after,
    placement_graded,
    placement_switch_refusal,
    resource_tag,
    send_timestamp,
    service_url,
)


def test_check_score_accepts_a_normal_score():
    check_score(3, 6, "InProgress", "FullyGraded")


@pytest.mark.parametrize(
    "args, words",
    [
        ((1, 6, "Done", "FullyGraded"), "activity_progress"),
        ((1, 6, "Completed", "Graded"), "grading_progress"),
        ((1, 0, "Completed", "FullyGraded"), "greater than 0"),
        ((-1, 6, "Completed", "FullyGraded"), "negative"),
        (("1", 6, "Completed", "FullyGraded"), "number"),
        ((float("nan"), 6, "Completed", "FullyGraded"), "number"),
        ((True, 6, "Completed", "FullyGraded"), "number"),
    ],
)
def test_check_score_refuses_with_a_reason(args, words):
    with pytest.raises(ScoreRejected, match=words):
        check_score(*args)


def test_send_timestamp_keeps_the_original_when_later():
    last = datetime(2026, 1, 1, 10, 0, 0, 900000)
    given = datetime(2026, 1, 1, 10, 0, 1, 100000)
    assert send_timestamp(given, last) == given
    assert send_timestamp(given, None) == given


def test_send_timestamp_is_a_whole_second_later_within_the_same_second():
    last = datetime(2026, 1, 1, 10, 0, 0, 100000)
    assert send_timestamp(datetime(2026, 1, 1, 10, 0, 0, 900000), last) == datetime(2026, 1, 1, 10, 0, 1)
    # a clock that went backwards still yields a strictly later second
    assert send_timestamp(datetime(2026, 1, 1, 9, 0), last) == datetime(2026, 1, 1, 10, 0, 1)


def test_iso_timestamp_has_an_offset():
    assert iso_timestamp(datetime(2026, 1, 2, 3, 4, 5, 678000)) == "2026-01-02T03:04:05.678+00:00"


def test_backoff_grows_with_jitter_and_honours_retry_after():
    assert 1 <= backoff_seconds(1, rand=lambda: 0) <= 2
    assert backoff_seconds(3, rand=lambda: 0) == 4 and backoff_seconds(3, rand=lambda: 1) == 8
    assert backoff_seconds(1, retry_after=30, rand=lambda: 0) == 30
    assert backoff_seconds(50, rand=lambda: 1) == 3600


def test_parse_retry_after():
    now = datetime(2026, 1, 1, 12, 0, 0)
    assert parse_retry_after("7", now) == 7
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:10 GMT", now) == 10
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    "status, retry",
    [(None, True), (500, True), (503, True), (429, True), (400, False), (401, False), (404, False), (409, False)],
)
def test_is_retryable(status, retry):
    assert is_retryable(status) is retry


def test_service_url_keeps_moodles_query():
    url = "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3"
    assert (
        service_url(url, "/scores")
        == "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"
    )
    assert service_url("https://x.example/li/1", "/results") == "https://x.example/li/1/results"


def test_which_placements_receive_the_mentoring_score():
    item = "https://moodle.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1"
    assert placement_graded("mentoring", item, None)  # My mentoring, deep-linked
    assert placement_graded(None, item, None)  # added by hand: opens the home page
    assert placement_graded("something-else", item, None)  # an unknown target opens the home page too
    for module in ("content:m1", "tools", "sparring:3"):
        assert not placement_graded(module, item, None) and not placement_graded(module, item, True)
    assert not placement_graded("mentoring", None, True)  # no grade item, nothing to write to
    assert not placement_graded(None, item, False) and not placement_graded("mentoring", item, False)
    assert placement_graded(None, item, True)


def test_who_may_switch_a_placement():
    item = "https://moodle.example/lineitem"
    assert placement_switch_refusal(True, None, item) is None
    assert placement_switch_refusal(True, "mentoring", item) is None
    assert placement_switch_refusal(False, None, item) == "not_staff"
    assert placement_switch_refusal(True, "content:m1", item) == "not_gradable"
    assert placement_switch_refusal(True, None, None) == "no_line_item"


def test_a_tool_made_line_items_tag_names_the_kind_of_score():
    assert resource_tag("mentoring:3") == "mentoring" and resource_tag("events:3") == "events"
