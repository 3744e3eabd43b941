from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.notifications.rules import (
    KINDS,
    MSGID,
    Preferences,
    clean_params,
    in_digest,
    is_temporary,
    language_of,
    localise,
    next_digest_at,
    parse_mail_url,
    wants,
)


def test_mail_urls_of_the_three_kinds():
    plain = parse_mail_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.security, plain.username) == ("127.0.0.1", 2525, "plain", None)
    tls = parse_mail_url("smtp+starttls://user%40x:p%3Ass@mail.example.fi")
    assert (tls.port, tls.security, tls.username, tls.password) == (587, "starttls", "user@x", "p:ss")
    assert parse_mail_url("smtps://mail.example.fi").port == 465


@pytest.mark.parametrize("url", ["http://mail", "smtp://", "mail.example.fi"])
def test_a_wrong_mail_url_says_what_is_wrong(url):
    with pytest.raises(ValueError, match="MAIL_URL"):
        parse_mail_url(url)


def test_service_messages_stay_on_unless_all_mail_is_off():
    everything_off = Preferences(off=frozenset(KINDS))
    assert wants("meeting_waiting", everything_off)
    assert not wants("match_published", everything_off)
    assert not wants("meeting_waiting", Preferences(all_off=True))
    assert wants("match_published", Preferences())


def test_waiting_meetings_never_wait_for_the_digest():
    digest = Preferences(digest=True)
    assert in_digest("match_published", digest) and not in_digest("meeting_waiting", digest)
    assert not in_digest("match_published", Preferences())


def test_the_digest_goes_next_morning():
    assert next_digest_at(datetime(2026, 12, 4, 4, 0)) == datetime(2026, 12, 4, 5, 0)
    assert next_digest_at(datetime(2026, 12, 4, 5, 0)) == datetime(2026, 12, 5, 5, 0)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_the_digest_is_always_within_a_day(now):
    later = next_digest_at(now)
    assert 0 < (later - now).total_seconds() <= 24 * 3600


def test_the_chosen_language_wins_over_the_launch():
    assert language_of("sv", "fi_FI") == "sv"
    assert language_of(None, "en_US") == "en"
    assert language_of("de", None) == "fi"


def test_params_keep_only_the_kinds_fields():
    assert clean_params("match_published", {"counterparts": ["A"], "notes": "secret"}) == {"counterparts": ["A"]}


def test_4xx_and_lost_connections_are_tried_again():
    assert is_temporary(421) and is_temporary(None) and not is_temporary(550)


def test_stored_messages_are_translated_with_their_fields_and_the_rest_left_alone():
    catalogue = {"Sparring session: %(group)s": "Sparraustapaaminen: %(group)s", "Kickoff": "Aloitustilaisuus"}
    stored = {MSGID: "Sparring session: %(group)s", "fields": {"group": {MSGID: "Kickoff"}}}
    assert localise(stored, lambda m: catalogue.get(m, m)) == "Sparraustapaaminen: Aloitustilaisuus"
    assert localise([{MSGID: "Kickoff"}, "Anna"], lambda m: catalogue.get(m, m)) == ["Aloitustilaisuus", "Anna"]
    assert localise({MSGID: "100% sure"}, lambda m: m) == "100% sure"  # no fields: no formatting
    assert localise({"title": "a dict that is no message"}, lambda m: "x") == {"title": "a dict that is no message"}
