"""The people picker's rule (app/core/picker.py): what the list shows for a search."""

from hypothesis import given
from hypothesis import strategies as st

from app.core.picker import Person, matches, shown

NAMES = st.text(alphabet="aäbeiklmnoöst ", max_size=12)
PEOPLE = st.lists(st.builds(Person, st.integers(1, 60), NAMES, NAMES), unique_by=lambda p: p.id, max_size=40)


def test_every_word_counts_and_case_and_accents_do_not():
    person = Person(1, "Pekka Hämäläinen", "Luonnonvarakeskus (Luke)")
    assert matches(person, "hama")
    assert matches(person, "LUKE pekka")
    assert matches(person, "  ")
    assert not matches(person, "pekka syke")


@given(PEOPLE, st.sets(st.integers(1, 60)), NAMES, st.integers(0, 10))
def test_the_chosen_always_show_and_the_matches_are_bounded(people, chosen, query, limit):
    result = shown(people, chosen, query, limit)
    assert [p.id for p in result.chosen] == [p.id for p in people if p.id in chosen]
    assert len(result.matches) <= limit
    assert all(matches(p, query) and p.id not in chosen for p in result.matches)
    found = [p for p in people if p.id not in chosen and matches(p, query)]
    assert result.matches == found[:limit]  # in the list's own order
    assert result.more == len(found) - len(result.matches)
