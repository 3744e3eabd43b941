"""Graded placements: which placed activities of a course receive the programme's mentoring score.

Moodle gives every graded activity exactly one line item and names it in the launch's AGS claim
(``lineitem``); the course designer sets "Grade to pass" on that activity. So the score follows
the placed activity: ``ResourceLink.resource`` says which tool resource a link's line item
receives while it is a graded placement (``rules.placement_graded``), and the delivery routes
by it (``gradebook.target_links``). When a placement appears or goes, the current scores are
queued to wherever the scores now go (``gradebook.sync_targets``).
"""
from app.core.db import db
from .gradebook import sync_targets
from .models import ResourceLink
from app.core.clock import utcnow
from .rules import placement_graded


def mentoring_resource(course_id: int) -> str | None:
    """The resource of the course's current programme's mentoring score, if it has a programme."""
    from ..mentoring.services import resource_id
    from app.programme.services import current_programme

    programme = current_programme(course_id)
    return resource_id(programme) if programme is not None else None


def refresh(link: ResourceLink) -> bool:
    """Bring ``link.resource`` in line with the rule; when that changes, queue the current scores
    to the course's targets. True when it changed. The caller commits."""
    wanted = mentoring_resource(link.course_id) if placement_graded(link.target, link.lineitem_url, link.graded) else None
    if wanted == link.resource:
        return False
    before, link.resource = link.resource, wanted
    link.updated_at = utcnow()
    db.session.flush()
    for resource in {before, wanted} - {None}:
        sync_targets(link.course_id, resource)
    return True


def link_launched(course_id: int, resource_link_id: str) -> None:
    """After a launch stored the link: the first launch of a graded activity makes it a placement."""
    link = db.session.scalar(db.select(ResourceLink).filter_by(course_id=course_id, resource_link_id=resource_link_id))
    if link is not None:
        refresh(link)


def adopt(course_id: int, resource: str, items: list[tuple[str, str, str | None]]) -> bool:
    """Placed activities the platform's line-item search found for ``resource`` (resource link
    id, line item URL, label): "My mentoring" placed by deep linking whose first launch has not
    happened yet. Recorded as links and made placements; True when the resource now has one.
    The caller commits."""
    if resource != mentoring_resource(course_id):
        return False  # another cohort's activity: its placement is not this programme's
    for link_id, url, title in items:
        link = db.session.scalar(db.select(ResourceLink).filter_by(course_id=course_id, resource_link_id=link_id))
        if link is None:
            link = ResourceLink(course_id=course_id, resource_link_id=link_id, title=title, lineitem_url=url, target="mentoring", updated_at=utcnow())
            db.session.add(link)
        refresh(link)
    return db.session.scalar(db.select(ResourceLink.id).filter_by(course_id=course_id, resource=resource).limit(1)) is not None


def switch(link: ResourceLink, graded: bool) -> bool:
    """A facilitator's choice for one placement (permission and audit are the caller's).
    True when the placement now receives, or stops receiving, scores."""
    link.graded = graded
    return refresh(link)


def course_link(course_id: int, link_id: int) -> ResourceLink | None:
    """A placed link of this course by its id; None for another course's."""
    link = db.session.get(ResourceLink, link_id)
    return link if link is not None and link.course_id == course_id else None


def launched_link_id(course_id: int, resource_link_id: str | None) -> int | None:
    """The id of the link the viewer launched the tool from, to mark it on the page."""
    if not resource_link_id:
        return None
    return db.session.scalar(db.select(ResourceLink.id).filter_by(course_id=course_id, resource_link_id=resource_link_id))
