"""Pages everyone reaches, launched or not: the privacy notice, the accessibility statement
with its feedback form; and, for a launched person, the download of their own data."""

from datetime import timedelta

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.core.auth import login_required
from app.core.clock import helsinki_today
from app.core.db import csrf, db

from ..notifications import services as notifications
from . import audit_words, data_words, privacy, rules
from .models import AccessibilityFeedback

bp = Blueprint("privacy", __name__, template_folder="templates")

FEEDBACK_ERRORS = {
    ("message", "required"): _l("Write your feedback."),
    ("message", "too_long"): _l("Shorten your feedback to at most %(n)s characters.", n=rules.FEEDBACK_MAX_CHARS),
    ("contact", "required"): _l("Give an e-mail address or a phone number so that we can answer you."),
    ("contact", "too_long"): _l("The contact is too long (at most %(n)s characters).", n=rules.CONTACT_MAX_CHARS),
    ("page", "too_long"): _l("The page address is too long (at most %(n)s characters).", n=rules.PAGE_MAX_CHARS),
}


def _lang_arg() -> str | None:
    """Visitors without a session carry their language choice in the address."""
    return None if g.get("user") else request.args.get("lang")


@bp.get("/privacy")
def notice():
    return render_template("admin/privacy_notice.html", lang_arg=_lang_arg())


@bp.get("/accessibility")
def statement():
    return render_template(
        "admin/accessibility.html",
        lang_arg=_lang_arg(),
        form={"page": request.args.get("page", "")[: rules.PAGE_MAX_CHARS], "message": "", "contact": ""},
        errors={},
        sent=request.args.get("sent") == "1",
        answer_days=rules.ANSWER_WITHIN_DAYS,
    )


# Visitors who have not launched the tool have no session to hold a CSRF token, and a forged
# post on their behalf carries no authority; for launched people the view checks CSRF itself.
@bp.post("/accessibility/feedback")
@csrf.exempt
def send_feedback():
    signed_in = g.get("user") is not None
    if signed_in:
        csrf.protect()
    cleaned, errors = rules.validate_feedback(
        request.form.get("message"), request.form.get("contact"), request.form.get("page"), signed_in=signed_in
    )
    if errors:
        return render_template(
            "admin/accessibility.html",
            lang_arg=_lang_arg(),
            form={"page": cleaned.page, "message": cleaned.message, "contact": cleaned.contact},
            errors={field: FEEDBACK_ERRORS[(field, code)] for field, code in errors.items()},
            sent=False,
            answer_days=rules.ANSWER_WITHIN_DAYS,
        ), 400
    feedback = AccessibilityFeedback(
        user_id=g.user.id if signed_in else None,
        page=cleaned.page or None,
        message=cleaned.message,
        contact=cleaned.contact or None,
        locale=str(get_locale()),
    )
    db.session.add(feedback)
    db.session.flush()
    notifications.accessibility_feedback(feedback.id, helsinki_today() + timedelta(days=rules.ANSWER_WITHIN_DAYS))
    db.session.commit()
    return redirect(url_for("privacy.statement", sent=1, lang=_lang_arg(), _anchor="feedback"), code=303)


@bp.get("/my-data")
@login_required()
def my_data():
    """Everything the tool holds about the launched person, as a readable page."""
    data = privacy.export_person(g.user)
    return render_template(
        "admin/my_data.html",
        journal=data["journal"],
        meetings=data_words.meeting_rows(data["meetings"]),
        sections=data_words.sections(data),
    )


@bp.app_template_filter("in_words")
def in_words(value) -> str:
    """A stored value as a person reads it: times in Helsinki time, days and lists in words."""
    return audit_words.value_text(value)


@bp.get("/my-data.json")
@login_required()
def my_data_json():
    return Response(
        privacy.export_json(g.user),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="my-data-{helsinki_today().isoformat()}.json"',
            "Cache-Control": "no-store",
        },
    )
