"""Each person's mail preferences, and the one-click unsubscribe link every mail carries."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from app.core.auth import STAFF, login_required
from app.core.clock import helsinki_today
from app.core.db import csrf, db
from app.core.roles import ADMINISTRATOR

from ..programme.rules import registration_open
from ..programme.services import staff_programme
from . import services
from .rules import KINDS, Preferences

bp = Blueprint("notifications", __name__, template_folder="templates")

KIND_LABELS = {
    "match_published": _l("My mentoring match is published"),
    "match_withdrawn": _l("My published mentoring match is withdrawn"),
    "meeting_waiting": _l("A meeting waits for my confirmation"),
    "meeting_reminder": _l("Reminders of meetings waiting for my confirmation"),
    "meeting_disputed": _l("A meeting I logged was disputed"),
    "meeting_change": _l("A counted meeting is being changed"),
    "agreement_version": _l("A new agreement version waits for my acceptance"),
    "event_tomorrow": _l("An event or sparring session tomorrow"),
    "registration_reminder": _l("Registration reminders"),
    "at_risk_nudge": _l("Nudges from the coordinator"),
    "accessibility_feedback": _l("New accessibility feedback (administrators)"),
    "gradebook_failing": _l("Scores not reaching the gradebook (administrators)"),
    "survey_reminder": _l("Reminders of programme surveys I have not answered"),
}


@bp.route("/mail/preferences", methods=["GET", "POST"])
@login_required()
def preferences():
    if request.method == "POST":
        off = frozenset(kind for kind in KINDS if request.form.get(f"kind-{kind}") != "on")
        services.save_preferences(
            g.user.id,
            Preferences(
                off=off, all_off=request.form.get("all_off") == "on", digest=request.form.get("digest") == "on"
            ),
        )
        db.session.commit()
        return redirect(url_for("notifications.preferences", saved=1), code=303)
    prefs = services.preferences(g.user.id)
    kinds = [(kind, KIND_LABELS[kind], kind not in prefs.off, KINDS[kind].service) for kind in KINDS]
    return render_template(
        "notifications/preferences.html", prefs=prefs, kinds=kinds, saved=request.args.get("saved") == "1"
    )


STATUS_LABELS = {
    "pending": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "skipped": _l("Not sent: the person turned it off"),
    "unknown": _l("Interrupted while sending: may have arrived"),
}


@bp.get("/mail/outbox")
@login_required(*STAFF)
def outbox():
    """The course's mail by state, and each failed mail's reason: facilitators see whose mail
    bounced for good (to check the address in Moodle) as administrators do."""
    found = services.summary(g.course.id if g.course else None)
    return render_template(
        "notifications/outbox.html",
        summary=found,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        administration=g.role == ADMINISTRATOR,  # the administration pages' navigation
    )


@bp.route("/mail/programmes/<int:programme_id>/remind", methods=["GET", "POST"])
@login_required(*STAFF)
def remind_registration(programme_id: int):
    """Remind the roster's participants who have not registered: first how many, then send."""
    programme = staff_programme(programme_id)
    if not registration_open(programme.registration_opens, programme.registration_closes, helsinki_today()):
        return render_template("notifications/remind.html", programme=programme, count=0, closed=True), 409
    if request.method == "POST":
        queued = services.remind_registration(programme)
        db.session.commit()
        return redirect(url_for("notifications.remind_registration", programme_id=programme.id, sent=queued), code=303)
    return render_template(
        "notifications/remind.html",
        programme=programme,
        count=len(services.not_registered(programme)),
        closed=False,
        sent=request.args.get("sent", type=int),
    )


@bp.get("/mail/unsubscribe/<token>")
def unsubscribe_page(token: str):
    user = services.unsubscriber(token)
    if user is None:
        return render_template("notifications/unsubscribe.html", valid=False, done=False), 404
    return render_template("notifications/unsubscribe.html", valid=True, done=False, token=token)


# Mail clients post here with no session and no CSRF token (RFC 8058 one-click); the signed
# token in the address is the authority, and it can only ever turn mail off.
@bp.post("/mail/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    user = services.unsubscriber(token)
    if user is None:
        return render_template("notifications/unsubscribe.html", valid=False, done=False), 404
    services.unsubscribe(user.id)
    db.session.commit()
    return render_template("notifications/unsubscribe.html", valid=True, done=True)
