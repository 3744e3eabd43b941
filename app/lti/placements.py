"""Placements: what the areas offer as course activities, and which placed activities of a course
receive the programme's mentoring score.

**Offers.** ``app/lti`` speaks deep linking but knows no area: each area lists the kinds of
activity it offers (``OFFERS`` in its ``placements`` module: kind, the items a course can place,
the page a placed item opens) and the app factory registers them (``register``), so no area
needs to import ``app/lti`` for this. The picker and the launch ask the registry
(``offered_items``, ``target_url``); the resource the mentoring score goes to is registered the
same way (``register_graded_resource``).

**Graded placements.** Moodle gives every graded activity exactly one line item and names it in
the launch's AGS claim (``lineitem``); the course designer sets "Grade to pass" on that activity.
So the score follows the placed activity: ``ResourceLink.resource`` says which tool resource a
link's line item receives while it is a graded placement (``rules.placement_graded``), and the
delivery routes by it (``gradebook.target_links``). When a placement appears or goes, the current
scores are queued to wherever the scores now go (``gradebook.sync_targets``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import Flask, current_app

from app.core.clock import utcnow
from app.core.db import db

from .gradebook import sync_targets
from .models import ResourceLink
from .rules import parse_target, placement_graded


class Offer(NamedTuple):
    """One kind of placeable activity (the ``kind`` of ``rules.parse_target``).

    ``items(course_id, lang)`` gives its deep-linking items (dicts with ``key``, ``title``,
    ``text`` and optionally ``lineItem``); ``opens(arg, **url_values)`` the URL a placed item
    opens, or None; ``waiting(course_id)``, when given, says why the kind offers nothing yet and
    where staff make it available (a dict with ``text``, ``url`` and ``label``), or None."""

    kind: str
    items: Callable[[int, str], list[dict]]
    opens: Callable[..., str | None]
    waiting: Callable[[int], dict | None] | None = None


@dataclass
class Registry:
    offers: list[Offer] = field(default_factory=list)
    graded_resource: Callable[[int], str | None] | None = None


def _registry(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault("lti_placements", Registry())


def register(app: Flask, *offers: tuple) -> None:
    """An area's offers as ``(kind, items, opens)`` or ``(kind, items, opens, waiting)``, in the
    order the picker lists them (registration order)."""
    _registry(app).offers.extend(Offer(*offer) for offer in offers)


def register_graded_resource(app: Flask, resource: Callable[[int], str | None]) -> None:
    """``resource(course_id)``: the resource the course's graded placements receive, if any."""
    _registry(app).graded_resource = resource


def offered_items(course_id: int, lang: str) -> list[dict]:
    """Every deep-linking item this course can place, area by area."""
    return [item for offer in _registry().offers for item in offer.items(course_id, lang)]


def waiting_offers(course_id: int) -> list[dict]:
    """What the course cannot place yet, and where staff make it possible."""
    notes = (offer.waiting(course_id) for offer in _registry().offers if offer.waiting is not None)
    return [note for note in notes if note is not None]


def target_url(target, **values) -> str | None:
    """Where a placed item's ``target`` opens, or None (then the tool's home page)."""
    parsed = parse_target(target)
    if parsed is None:
        return None
    kind, arg = parsed
    for offer in _registry().offers:
        if offer.kind == kind:
            return offer.opens(arg, **values)
    return None


def mentoring_resource(course_id: int) -> str | None:
    """The resource of the course's current programme's mentoring score, if it has a programme."""
    resource = _registry().graded_resource
    return resource(course_id) if resource is not None else None


def _wanted_resource(course_id: int, target: str | None, lineitem_url: str | None, graded: bool | None) -> str | None:
    return mentoring_resource(course_id) if placement_graded(target, lineitem_url, graded) else None


def refresh(link: ResourceLink) -> bool:
    """Bring ``link.resource`` in line with the rule; when that changes, queue the current scores
    to the course's targets. True when it changed. The caller commits."""
    wanted = _wanted_resource(link.course_id, link.target, link.lineitem_url, link.graded)
    if wanted == link.resource:
        return False
    before, link.resource = link.resource, wanted
    link.updated_at = utcnow()
    db.session.flush()
    for resource in {before, wanted} - {None}:
        sync_targets(link.course_id, resource)
    return True


class LinkState(NamedTuple):
    """A resource link's columns that decide its placement, as the launch's upsert returns them."""

    id: int
    course_id: int
    target: str | None
    lineitem_url: str | None
    graded: bool | None
    resource: str | None


def link_launched(state: LinkState) -> None:
    """After a launch stored the link: the first launch of a graded activity makes it a placement.
    The link is loaded only when its placement changes, which most launches do not."""
    if _wanted_resource(state.course_id, state.target, state.lineitem_url, state.graded) != state.resource:
        link = db.session.get(ResourceLink, state.id)
        assert link is not None  # just upserted in this transaction
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
            link = ResourceLink(
                course_id=course_id,
                resource_link_id=link_id,
                title=title,
                lineitem_url=url,
                target="mentoring",
                updated_at=utcnow(),
            )
            db.session.add(link)
        refresh(link)
    return (
        db.session.scalar(db.select(ResourceLink.id).filter_by(course_id=course_id, resource=resource).limit(1))
        is not None
    )


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
    return db.session.scalar(
        db.select(ResourceLink.id).filter_by(course_id=course_id, resource_link_id=resource_link_id)
    )
