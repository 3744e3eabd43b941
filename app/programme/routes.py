"""The landing page after a launch: who you are, your role, the programme."""
from flask import Blueprint, g, render_template, session

from ..auth import login_required
from ..extensions import db
from .models import Programme

bp = Blueprint("programme", __name__, template_folder="templates")


def current_programme(course_id: int | None) -> Programme | None:
    """The course's latest programme (a course can hold successive cohorts)."""
    if course_id is None:
        return None
    return db.session.scalar(
        db.select(Programme)
        .where(Programme.course_id == course_id)
        .order_by(Programme.kickoff.desc())
        .limit(1)
    )


@bp.get("/home")
@login_required()
def home():
    return render_template(
        "programme/home.html",
        programme=current_programme(g.course.id if g.course else None),
        resource_link_title=(session.get("lti") or {}).get("resource_link_title"),
    )


@bp.get("/programme")
@login_required()
def overview():
    """The programme's dates, events and the rules for completion."""
    return render_template(
        "programme/overview.html",
        programme=current_programme(g.course.id if g.course else None),
    )
