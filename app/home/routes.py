"""The landing page every launch ends on."""

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from app.core.auth import login_required

from ..people.models import ADMINISTRATOR, FACILITATOR, PARTICIPANT
from ..programme import services as programmes
from .cards import cards

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/home")
@login_required()
def index():
    course_id = g.course.id if g.course else None
    programme = programmes.current_programme(course_id)
    others = []
    if programme is not None and g.role == PARTICIPANT:
        # Straight from a launch to the form for someone who has not registered yet (the
        # registration is looked up only when that could happen).
        if (
            request.args.get("launched")
            and programmes.window_open(programme)
            and programmes.registration_of(programme, g.user.id) is None
        ):
            return redirect(url_for("programme.register"))
        others = [p for p, part in programmes.programmes_of(course_id, g.user.id) if part and p.id != programme.id]
    return render_template(
        "home/index.html",
        programme=programme,
        other_programmes=others,
        cards=cards(programme),
        # Administrators reach the whole administration, facilitators the completion report in it.
        administration={ADMINISTRATOR: "admin.index", FACILITATOR: "admin.report_page"}.get(g.role),
        agency=programmes.contact_organisation_of(g.user.id, programme.id) if programme is not None else None,
        resource_link_title=(session.get("lti") or {}).get("resource_link_title"),
    )
