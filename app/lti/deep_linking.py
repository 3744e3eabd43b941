"""Deep linking (what a course designer places in Moodle) and the staff roster pages.

A facilitator's or administrator's ``LtiDeepLinkingRequest`` launch opens a picker of what the
tool offers as course activities; the tool answers with a signed ``LtiDeepLinkingResponse``
that honours the platform's ``accept_types``, ``accept_multiple`` and ``data``. Every placed
item carries its target in the custom parameter ``target``, and launching it opens exactly
that item (``target_url``).
"""

import logging
import time
import uuid

import jwt
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.core.auth import STAFF, login_required
from app.core.db import db
from app.core.i18n import current_language
from app.core.web import tool_url

from ..people.models import Enrolment, User
from .models import CourseServices, Platform
from .placements import offered_items, waiting_offers
from .rules import choose_items
from .tokens import ServiceError
from .vocabulary import CLAIM, DL_CLAIM

bp = Blueprint("lti_advantage", __name__, url_prefix="/lti", template_folder="templates")
log = logging.getLogger(__name__)

RESOURCE_LINK = "ltiResourceLink"


def deep_linking_settings(claims: dict) -> dict | None:
    """The deep-linking settings of a launch, kept in the session for the picker."""
    settings = claims.get(DL_CLAIM + "deep_linking_settings")
    if claims.get(CLAIM + "message_type") != "LtiDeepLinkingRequest" or not isinstance(settings, dict):
        return None
    keep = (
        "deep_link_return_url",
        "accept_types",
        "accept_multiple",
        "accept_presentation_document_targets",
        "data",
        "title",
    )
    return {k: settings[k] for k in keep if k in settings}


def _settings() -> dict:
    settings = (session.get("lti") or {}).get("deep_linking")
    if not settings or not settings.get("deep_link_return_url"):
        abort(
            400,
            description=_(
                "This page opens from the learning platform when a course designer adds an activity (deep linking)."
            ),
        )
    return settings


def _staff_only():
    if g.role not in STAFF:
        return render_template(
            "errors/error.html",
            title=_("No access"),
            message=_("Only facilitators and administrators can add the tool's activities to a course."),
            status=403,
        ), 403
    return None


def _content_item(item: dict, launch_url: str) -> dict:
    content = {
        "type": RESOURCE_LINK,
        "title": item["title"],
        "url": launch_url,
        "custom": {"target": item["key"]},
    }
    if item.get("text"):
        content["text"] = item["text"]
    if item.get("lineItem"):
        content["lineItem"] = item["lineItem"]
    return content


def response_jwt(platform: Platform, deployment_id: str, settings: dict, items: list[dict], message: str | None) -> str:
    """The signed LtiDeepLinkingResponse for the chosen content items."""
    key = current_app.extensions["lti_keys"].current()
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "aud": [platform.issuer],
        "iat": now,
        "exp": now + 300,
        "nonce": uuid.uuid4().hex,
        CLAIM + "deployment_id": deployment_id,
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL_CLAIM + "content_items": items,
    }
    if "data" in settings:
        claims[DL_CLAIM + "data"] = settings["data"]
    if message:
        claims[DL_CLAIM + "msg"] = message
    return jwt.encode(claims, key.signing_key, algorithm="RS256", headers={"kid": key.kid})


@bp.route("/deep-linking", methods=["GET", "POST"])
@login_required()
def deep_linking():
    refused = _staff_only()
    if refused:
        return refused
    settings = _settings()
    if g.course is None:  # a deep-linking launch always comes from a course
        abort(404)
    items = offered_items(g.course.id, current_language())
    accept_multiple = settings.get("accept_multiple", True) is not False
    error = None
    if request.method == "POST":
        lti = session["lti"]
        platform = db.session.get(Platform, lti["platform_id"])
        if request.form.get("action") == "cancel":
            chosen, code = [], None
        else:
            chosen, code = choose_items(request.form.getlist("item"), [i["key"] for i in items], accept_multiple)
        if code is None:
            by_key = {i["key"]: i for i in items}
            content = [_content_item(by_key[k], tool_url("lti.launch")) for k in chosen]
            token = response_jwt(
                platform,
                lti["deployment_id"],
                settings,
                content,
                _("%(count)s activities added.", count=len(content)) if content else None,
            )
            # The deep-linking session has done its work: a second post would place the items twice.
            lti["deep_linking"] = None
            session.modified = True
            return render_template("lti/deep_linking_return.html", action=settings["deep_link_return_url"], jwt=token)
        error = {
            "none": _("Choose at least one activity, or cancel."),
            "too_many": _("The learning platform accepts only one activity here: choose one."),
            "unknown": _("That activity is not offered in this course."),
        }[code]
    return render_template(
        "lti/deep_linking.html",
        items=items,
        accept_multiple=accept_multiple,
        error=error,
        title=settings.get("title"),
        waiting=waiting_offers(g.course.id),
    ), (400 if error else 200)


@bp.get("/roster")
@login_required(*STAFF)
def roster():
    """The course roster as the platform gives it: who has launched, who not yet, who left."""
    if g.course is None:
        abort(404)
    rows = db.session.execute(
        db.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == g.course.id)
        .order_by(Enrolment.active.desc(), User.family_name, User.given_name, User.id)
    ).all()
    services = db.session.scalar(db.select(CourseServices).filter_by(course_id=g.course.id))
    return render_template("lti/roster.html", rows=rows, services=services)


@bp.post("/roster/sync")
@login_required(*STAFF)
def roster_sync():
    from .roster import sync_roster

    if g.course is None:
        abort(404)
    try:
        result = sync_roster(g.course.id, current_app.extensions["lti_tokens"])
    except ServiceError as error:
        db.session.rollback()
        flash(_("The roster could not be read from the learning platform: %(reason)s", reason=str(error)), "error")
    else:
        flash(
            _(
                "Roster updated: %(members)s members, %(added)s new, %(left)s marked as left the course.",
                members=result.members,
                added=result.added,
                left=result.deactivated,
            ),
            "success",
        )
    return redirect(url_for("lti_advantage.roster"), code=303)
