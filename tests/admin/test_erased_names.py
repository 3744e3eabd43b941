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
