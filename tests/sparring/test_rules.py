"""The assignment helper (pure): pairs apart whenever avoidable, even sizes, organisations spread."""

from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from app.sparring.rules import Group, Person, assign, may_see_space, pairs_together

ORGS = ["SYKE", "Luke", "THL", "VTT", None]


@st.composite
def cohorts(draw):
    """People in pairs, trios (a mentor with two aktoris) or alone; some already in groups."""
    n_groups = draw(st.integers(1, 5))
    people: list[Person] = []
    next_id = 1
    for pair_id in range(draw(st.integers(0, 12))):
        for _ in range(draw(st.sampled_from([1, 2, 2, 3]))):
            people.append(Person(next_id, draw(st.sampled_from(ORGS)), pair_id))
            next_id += 1
    for _ in range(draw(st.integers(0, 8))):
        people.append(Person(next_id, draw(st.sampled_from(ORGS)), None))
        next_id += 1
    existing: dict[int, list[Person]] = defaultdict(list)
    new: list[Person] = []
    for person in people:
        slot = draw(st.integers(-n_groups * 3, n_groups - 1))  # mostly new
        if slot >= 0:
            existing[slot].append(person)
        else:
            new.append(person)
    groups = [Group(100 + i, tuple(existing[i])) for i in range(n_groups)]
    return new, groups


@settings(max_examples=400, deadline=None)
@given(cohorts())
def test_pair_members_never_share_a_group_when_avoidable(cohort):
    people, groups = cohort
    placement = assign(people, groups)
    assert set(placement) == {p.user_id for p in people}
    assert set(placement.values()) <= {g.group_id for g in groups}
    new_by_pair: dict[int, list[Person]] = defaultdict(list)
    for person in people:
        if person.pair is not None:
            new_by_pair[person.pair].append(person)
    for pair, members in new_by_pair.items():
        taken = {g.group_id for g in groups if any(m.pair == pair for m in g.members)}
        free = len(groups) - len(taken)
        if len(members) <= free:  # avoidable: enough groups hold none of the pair
            chosen = [placement[m.user_id] for m in members]
            assert len(set(chosen)) == len(chosen), (pair, chosen)
            assert not set(chosen) & taken, (pair, chosen, taken)


@settings(max_examples=300, deadline=None)
@given(cohorts())
def test_sizes_stay_even_from_empty_groups(cohort):
    people, groups = cohort
    empty = [Group(g.group_id) for g in groups]
    everyone = people + [m for g in groups for m in g.members]
    largest_pair = max(Counter(p.pair for p in everyone if p.pair is not None).values(), default=0)
    placement = assign(everyone, empty)
    sizes = Counter(placement.values())
    counts = [sizes.get(g.group_id, 0) for g in empty]
    if largest_pair <= len(empty):
        assert max(counts) - min(counts) <= 1, counts
        assert pairs_together(placement, everyone, empty) == 0


def test_deterministic():
    people = [Person(i, ORGS[i % 4], i // 2) for i in range(1, 20)]
    groups = [Group(1), Group(2), Group(3)]
    assert assign(people, groups) == assign(list(reversed(people)), groups)


def test_organisations_spread():
    people = [Person(i, "SYKE") for i in range(1, 4)] + [Person(i, "Luke") for i in range(4, 7)]
    placement = assign(people, [Group(1), Group(2), Group(3)])
    for group_id in (1, 2, 3):
        orgs = Counter(p.organisation for p in people if placement[p.user_id] == group_id)
        assert orgs == Counter({"SYKE": 1, "Luke": 1})


def test_unavoidable_pair_is_placed_and_counted():
    trio = [Person(1, "SYKE", 7), Person(2, "Luke", 7), Person(3, "THL", 7)]
    placement = assign(trio, [Group(1), Group(2)])
    assert sorted(Counter(placement.values()).values()) == [1, 2]
    assert pairs_together(placement, trio, [Group(1), Group(2)]) == 1


def test_existing_member_keeps_pair_mate_out():
    groups = [Group(1, (Person(10, "SYKE", 5),)), Group(2), Group(3, (Person(11, "Luke"),))]
    assert assign([Person(20, "Luke", 5)], groups) == {20: 2}


def test_no_groups_no_placement():
    assert assign([Person(1)], []) == {}


def test_may_edit_only_own_message_within_the_window():
    from datetime import datetime, timedelta

    from app.sparring.rules import EDIT_WINDOW, may_edit

    sent = datetime(2022, 10, 30, 9, 0)
    ok = dict(author_id=1, viewer_id=1, created_at=sent, deleted=False)
    assert may_edit(**ok, now=sent)
    assert may_edit(**ok, now=sent + EDIT_WINDOW)
    assert not may_edit(**ok, now=sent + EDIT_WINDOW + timedelta(seconds=1))
    assert not may_edit(**{**ok, "viewer_id": 2}, now=sent)
    assert not may_edit(**{**ok, "deleted": True}, now=sent)
    assert not may_edit(**{**ok, "author_id": None}, now=sent)  # an erased author's message


@given(st.booleans(), st.integers(1, 20), st.frozensets(st.integers(1, 20), max_size=8))
def test_a_space_is_for_its_members_and_staff(staff, viewer, members):
    assert may_see_space(staff=staff, viewer_id=viewer, member_ids=iter(members)) == (staff or viewer in members)
