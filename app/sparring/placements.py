"""What sparring offers a course designer to place (deep linking): each current sparring
group's space. Registered by the app factory with ``app.lti.placements``."""

from flask import url_for
from flask_babel import gettext as _

from app.core.db import db
from app.programme.services import current_programme

from .models import SparringGroup


def items(course_id: int, lang: str) -> list[dict]:
    programme = current_programme(course_id)
    if programme is None:
        return []
    groups = db.session.scalars(
        db.select(SparringGroup)
        .where(SparringGroup.programme_id == programme.id, SparringGroup.archived_at.is_(None))
        .order_by(SparringGroup.name)
    ).all()
    return [
        {"key": f"sparring:{group.id}", "title": _("Sparring group: %(name)s", name=group.name), "text": ""}
        for group in groups
    ]


def opens(group_id, **values) -> str:
    return url_for("sparring.space", group_id=group_id, **values)


OFFERS = (("sparring", items, opens),)
