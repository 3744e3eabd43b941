"""The matching page's stored reasons for the unmatched (``models.MatchingSnapshot``): what they
depend on, as a digest (``fingerprint``), and keeping them (``store``)."""

import hashlib
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from app.core.clock import utcnow
from app.core.db import db
from app.groups.models import STATUSES, GroupMember, MentoringGroup

from ..programme import services as programme_services
from ..programme.models import Programme, Registration
from .models import MatchingSnapshot


def fingerprint(programme: Programme) -> str:
    """What the unmatched reasons depend on, as a digest of a few aggregates computed by the
    database (no rows travel): the registrations (an edit moves ``updated_at``), every group's
    status and lock, who is in which group in which role and their answers, the colleague tips
    counted as nominations, and whether the programme prefers crossing organisations. The
    products make a swap or a moved member change the sums."""
    status_code = case({s: k for k, s in enumerate(STATUSES, 1)}, value=MentoringGroup.status, else_=0)
    role_code = case({"mentor": 3, "aktori": 5, "peer": 7}, value=GroupMember.role, else_=11)
    registration = func.coalesce(GroupMember.registration_id, 0)
    queries = [
        select(
            func.count(Registration.id),
            func.sum(Registration.id),
            func.max(Registration.updated_at),
            func.max(Registration.withdrawn_at),
            func.count(Registration.withdrawn_at),
        ).where(Registration.programme_id == programme.id),
        select(
            func.count(MentoringGroup.id),
            func.sum(MentoringGroup.id * status_code),
            func.sum(case((MentoringGroup.locked, MentoringGroup.id), else_=0)),
        ).where(MentoringGroup.programme_id == programme.id),
        select(
            func.count(GroupMember.id),
            func.sum(GroupMember.group_id * registration),
            func.sum(registration * role_code),
            func.sum(case((GroupMember.sounding_answer == "rematch", GroupMember.id), else_=0)),
            func.count(GroupMember.sounding_answer),
        )
        .join(MentoringGroup, GroupMember.group_id == MentoringGroup.id)
        .where(MentoringGroup.programme_id == programme.id),
    ]
    rows = [tuple(db.session.execute(query).one()) for query in queries]
    tips = sorted(programme_services.tip_nominations(programme.id).items())
    state = (programme.prefer_cross_organisation, rows, tips)
    return hashlib.sha256(repr(state).encode()).hexdigest()


def store(programme: Programme, mark: str, data: dict[str, Any]) -> None:
    """Keep the reasons (registration id as text -> reasons as JSON, or None) computed from the
    state ``mark`` digests; two facilitators opening the page at once may both compute, one stores."""
    try:
        with db.session.begin_nested():
            snapshot = db.session.get(MatchingSnapshot, programme.id)
            if snapshot is None:
                snapshot = MatchingSnapshot(programme_id=programme.id)
                db.session.add(snapshot)
            snapshot.fingerprint, snapshot.unmatched, snapshot.computed_at = mark, data, utcnow()
    except IntegrityError:
        pass
