"""An erased person who stays in a pair (so the others' meetings still count) is shown as
"[poistettu]" in the reader's language wherever a name is shown, never as a blank."""

import re

import pytest
from flask_babel import force_locale

from app.admin import privacy
from app.core.db import db
from tests.support.admin_seed import seed
from tests.support.admin_web import administrator, facilitator, participant

ERASED = {"fi": "[poistettu]", "sv": "[raderad]", "en": "[erased]"}
# What a blank name leaves behind: a list starting with its separator, a count without a name.
BLANKS = re.compile(r">\s*(,|:\s*\d)|<(li|td[^>]*|dd|strong|th[^>]*)>\s*</")  # td: cells carry data-label


@pytest.fixture
def seeded(app, platform):
    with app.test_request_context("/"):
        yield seed(app, issuer=platform.issuer)


def test_display_name_of_an_erased_person(app, seeded):
    user = seeded.people["m1"]
    privacy.erase_person(user)
    db.session.commit()
    assert user.erased and user.display_name == ERASED["fi"]
    for locale, text in ERASED.items():
        with force_locale(locale):
            assert user.display_name == text


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_pages_name_an_erased_member_in_the_readers_language(app, platform, seeded, locale):
    pair = seeded.groups["pair1"]
    partner = seeded.people["a1"]
    privacy.erase_person(seeded.people["m1"])
    db.session.commit()
    viewers = {
        "partner": participant(app, platform, partner, locale=locale),
        "facilitator": facilitator(app, platform, locale=locale),
        "administrator": administrator(app, platform, locale=locale),
    }
    pages = {
        "partner": [f"/mentoring/groups/{pair.id}", f"/mentoring/groups/{pair.id}/agreement"],
        "facilitator": ["/mentoring", f"/mentoring/groups/{pair.id}", f"/matching/programmes/{seeded.programme.id}"],
        "administrator": ["/mentoring", f"/mentoring/groups/{pair.id}"],
    }
    for who, paths in pages.items():
        for path in paths:
            page = viewers[who].page(path)
            assert ERASED[locale] in page, (who, path)
            assert not BLANKS.search(page.split("<main", 1)[1]), (who, path, BLANKS.search(page).group(0))


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_the_audit_log_and_a_discussion_name_an_erased_person_in_the_readers_language(app, platform, seeded, locale):
    """The audit log's sentence about the erasure, and the posts the person left in a sparring
    discussion (kept without an author), show the erased person in the reader's language."""
    from app.core.audit import record
    from app.sparring.models import SparringGroup, SparringMember, SparringPost, SparringThread

    aku, anni = seeded.people["a1"], seeded.people["a2"]
    group = SparringGroup(programme_id=seeded.programme.id, name="Aktorit 1", audience="aktoris")
    db.session.add(group)
    db.session.flush()
    db.session.add_all([SparringMember(group_id=group.id, user_id=u.id) for u in (aku, anni)])
    thread = SparringThread(group_id=group.id, title="Esittäytyminen", author_id=aku.id)
    db.session.add(thread)
    db.session.flush()
    db.session.add(SparringPost(thread_id=thread.id, author_id=aku.id, body="Hei kaikki"))
    uid = aku.id
    privacy.erase_person(aku)
    record("person.erased", course=seeded.course, target=f"user:{uid}", details={"rows": {}})
    db.session.commit()

    audit = administrator(app, platform, locale=locale).page("/admin/audit")
    assert re.search(rf'class="audit-sentence"[^>]*>[^<]*{re.escape(ERASED[locale])}[^<]*<', audit)
    discussion = participant(app, platform, anni, locale=locale).page(
        f"/sparring/groups/{group.id}/threads/{thread.id}"
    )
    assert "Hei kaikki" in discussion and ERASED[locale] in discussion
