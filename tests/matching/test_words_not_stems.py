"""Participants see words, never the matcher's word stems (issue 15): the goals shared by a pair
are named with a word one of them wrote, and no page a participant reads shows a stem."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.db import db
from app.matching.engine.explain import evaluate_group
from app.matching.engine.goals import goal_tokens
from app.matching.engine.types import Form, Member, Registration, Role
from app.programme.models import Registration as RegistrationRow
from tests.matching.test_matching_web import compute, group_with
from tests.support.programme_web import post, text

VOCABULARY = ["johtaminen", "johtamisessa", "johtajuus", "kehittää", "kehittäminen", "tutkimus", "tutkimuksen"]
VOCABULARY += ["viestintä", "viestinnän", "projektit", "projektien", "ledarskap", "ledarskapet", "research"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6), st.lists(st.sampled_from(VOCABULARY), max_size=6))
def test_shared_goals_are_named_with_words_someone_wrote(first, second):
    regs = [
        Registration(id=1, name="A", organisation="SYKE", role=Role.MENTOR, goals=" ".join(first)),
        Registration(id=2, name="B", organisation="SYKE", role=Role.AKTORI, goals=" ".join(second)),
    ]
    group = evaluate_group(regs, Form.TRADITIONAL, (Member(1, Role.MENTOR), Member(2, Role.AKTORI)))
    written = {word for r in regs for _, word in goal_tokens(r.goals)}
    for reason in group.reasons:
        if reason.code == "similar_goals":
            assert reason.params["words"] and set(reason.params["words"]) <= written


def test_the_match_page_names_goals_in_words(app, cohort):
    pid = cohort["pid"]
    goals = {"6": "Johtamisen kehittäminen tutkimuslaitoksessa.", "7": "Haluan kehittää johtamistani."}
    with app.app_context():
        for sub, text_ in goals.items():
            query = db.select(RegistrationRow).filter_by(programme_id=pid, user_id=cohort["users"][sub])
            db.session.scalar(query).goals = text_
        db.session.commit()
    page = compute(cohort)
    mikko = group_with(app, pid, "6")
    post(cohort["staff"], f"{page}/publish", {"group_id": [str(mikko["id"])]}, token_from=page)
    mine = cohort["people"]["7"].page("/matching/mine")
    [words] = re.findall(r"samankaltaiset tavoitteet: ([^<]*)<", mine)
    named = re.findall(r"\w+", words)
    assert named and set(named) <= {"johtamisen", "kehittäminen", "kehittää", "johtamistani"}
    assert "/100" not in mine  # the points are for the facilitators
    for stem in ("johta", "kehit"):
        assert not re.search(rf"\b{stem}\b", text(mine))
