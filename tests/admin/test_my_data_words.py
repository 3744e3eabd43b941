"""/my-data in words (issue 15): a person with data in every table the export walks reads column
names in their language, codes as words, names for references, times in Helsinki time."""

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app.admin import data_words, privacy
from app.admin.models import AccessibilityFeedback
from app.calendar.models import CalendarFeed
from app.content.models import ContentReadMark
from app.core.db import db
from app.evaluation.models import MeetingCheckIn, Survey, SurveyParticipation
from app.events.models import AttendanceScore
from app.mentoring.models import Meeting, MeetingAttestation
from app.notifications.models import MailPreference, Notification
from app.programme.models import AgencyContact, ColleagueTip, Registration
from app.sparring.models import SparringGroup, SparringMember, SparringPost, SparringThread
from tests.support.admin_seed import seed
from tests.support.admin_web import participant

# Codes that are also the word in a language ("aktori" in Finnish, "mentor" in Swedish); in English
# every one-word code is its own word, so there only codes like "go_on" are caught.
SAME_AS_WORD = {"fi": {"aktori"}, "sv": {"mentor"}}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|T\d{2}:\d{2}")
IDENTIFIER = re.compile(r"^[a-z]+(_[a-z]+)+$|^[a-z]+_id$")


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


def owner_tables() -> list[str]:
    return [
        t.name
        for t in db.metadata.sorted_tables
        if t.name not in privacy.SKIPPED_TABLES and t.name != privacy.JOURNAL_TABLE and privacy._owner_columns(t)
    ]


def _fill_every_table(seeded):
    """Aku (a1) gets a row in every table that holds a person's data, as the tool writes them."""
    aku, maija = seeded.people["a1"], seeded.people["m1"]
    programme, course = seeded.programme, seeded.course
    syke = seeded.organisations["SYKE"]
    registration = db.session.scalar(select(Registration).filter_by(user_id=aku.id))
    registration.forms, registration.languages = ["traditional", "group"], ["fi", "sv"]
    registration.themes_offered, registration.must_not_pair = [], [seeded.people["m2"].id]
    registration.counterpart_user_id = maija.id
    aku.locale = "fi-FI"
    group = SparringGroup(programme_id=programme.id, name="Aktorit 1", audience="aktoris")
    survey = Survey(programme_id=programme.id, kind="midpoint", questions=[])
    db.session.add_all([group, survey])
    db.session.flush()
    thread = SparringThread(group_id=group.id, title="Esittäytyminen", author_id=aku.id)
    db.session.add(thread)
    db.session.flush()
    meeting = db.session.scalar(
        select(Meeting).join(MeetingAttestation).where(MeetingAttestation.user_id == aku.id).limit(1)
    )
    db.session.add_all(
        [
            SparringMember(group_id=group.id, user_id=aku.id),
            SparringPost(thread_id=thread.id, author_id=aku.id, body="Hei kaikki"),
            AccessibilityFeedback(user_id=aku.id, message="Fontti on pieni", contact="aku@example.fi", locale="fi"),
            CalendarFeed(user_id=aku.id, course_id=course.id, token_hash="x" * 64),
            ContentReadMark(user_id=aku.id, course_id=course.id, module_id="aloitus"),
            MailPreference(user_id=aku.id, off=["meeting_reminder"], all_off=False, digest=True),
            Notification(key="k-1", user_id=aku.id, programme_id=programme.id, kind="match_published", status="sent"),
            AttendanceScore(programme_id=programme.id, user_id=aku.id, attended=2, held=2),
            AgencyContact(organisation_id=syke.id, user_id=aku.id, named_by_id=maija.id),
            ColleagueTip(
                programme_id=programme.id,
                user_id=aku.id,
                name="Kaisa Kollega",
                email="kaisa@example.fi",
                role="mentor",
                status="contacted",
                status_changed_at=datetime(2026, 2, 1, 8),
            ),
            SurveyParticipation(survey_id=survey.id, user_id=aku.id),
            MeetingCheckIn(meeting_id=meeting.id, user_id=aku.id, pulse=4),
        ]
    )
    db.session.commit()
    return aku


def _codes_of(data: dict) -> set[str]:
    """The stored codes of the person's rows: short lowercase values such as "confirmed" or "go_on"."""
    found = set()
    for rows in [[data["account"]], data["gradebook_scores"], *data["tables"].values()]:
        for row in rows:
            for value in row.values():
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and re.fullmatch(r"[a-z_]{3,20}", item):
                        found.add(item)
    return found


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_every_section_of_my_data_reads_in_words(app, platform, seeded, locale):
    aku = _fill_every_table(seeded)
    data = privacy.export_person(aku)
    missing = sorted(set(owner_tables()) - set(data["tables"]))
    assert missing == [], f"give the demo person a row in {missing} so the page is checked for it"

    page = participant(app, platform, aku, locale=locale).page("/my-data")
    main = page.split("<main", 1)[1]
    labels = [html.unescape(t).strip() for t in re.findall(r"<(?:dt|th)[^>]*>([^<]*)</(?:dt|th)>", main)]
    values = [html.unescape(t).strip() for t in re.findall(r"<(?:dd|td)[^>]*>([^<]*)</(?:dd|td)>", main)]
    headings = [html.unescape(t).strip() for t in re.findall(r"<h2[^>]*>([^<]*)</h2>", main)]
    assert len(labels) > 80 and len(headings) >= len(owner_tables())
    columns = {c.name for t in db.metadata.sorted_tables for c in t.columns}
    for text in labels + headings:
        assert text not in columns and not IDENTIFIER.match(text), text
    codes = _codes_of(data) - {"aloitus"}  # the material's own name
    raw = {c for c in codes if "_" in c} if locale == "en" else codes - SAME_AS_WORD[locale]
    assert {"confirmed", "mentor", "aktori", "participant", "contacted", "sent", "match_published"} <= codes
    for text in values:
        assert not ISO.search(text), text
        assert text not in raw and not IDENTIFIER.match(text), text
        assert text not in ("True", "False", "None", "[]", "{}"), text
    assert re.search(r"<dd>(kyllä|ja|yes)</dd>", main)  # booleans as words
    assert "Maija Mentori" in main  # references by name (the person Aku wished to be paired with)


def test_every_column_a_person_may_see_has_a_label(app):
    """A column added to a table of personal data must get a label (or be hidden) to show."""
    unlabelled = [
        (table, column.name)
        for table in owner_tables()
        for column in db.metadata.tables[table].columns
        if column.name in data_words.shown_columns(table, [column.name])
        and not data_words.label(table, column.name)
        and column.name not in privacy.SKIPPED_COLUMNS
    ]
    assert unlabelled == []
    assert set(owner_tables()) <= set(data_words.SECTION_HEADINGS)
