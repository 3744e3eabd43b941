"""The LTI endpoints: OIDC login, launch, the tool's JWKS and its configuration for Moodle."""

import logging
from typing import cast

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from app.core.auth import STAFF
from app.core.db import csrf, db
from app.core.i18n import normalise_locale
from app.core.refusals import Refused
from app.core.security import allow_framing_by, frame_origins
from app.core.sessions import TokenSession, end_sessions_with_other_role, start_session
from app.core.web import tool_url

from ..people.services import LaunchIdentity, record_launch
from .deep_linking import deep_linking_settings
from .errors import LaunchError
from .handoff import VerifiedLaunch, issue_handoff, redeem_handoff
from .launch import (
    CookiesBlocked,
    DbToolConf,
    ToolMessageLaunch,
    begin_login,
)
from .launch import claim_text as _text
from .placements import target_url
from .roles import tool_role
from .roster import sync_after_launch
from .services import NOTHING_STORED, StoredRows, record_services
from .vocabulary import CLAIM

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")
csrf.exempt(bp)  # cross-site posts from the platform, protected by state and nonce instead
log = logging.getLogger(__name__)


def _tool_conf() -> DbToolConf:
    return DbToolConf(current_app.extensions["lti_keys"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    auth_url, cookies = begin_login(_tool_conf(), tool_url("lti.launch"))
    response = redirect(auth_url, code=302)
    cookies.update_response(response)
    return response


def _object(claims: dict, name: str) -> dict:
    """An optional object claim; anything else a platform sends there counts as absent."""
    value = claims.get(CLAIM + name)
    return value if isinstance(value, dict) else {}


def identity_from_claims(claims: dict, issuer: str) -> LaunchIdentity:
    context = _object(claims, "context")
    roles = [r for r in claims.get(CLAIM + "roles") or [] if isinstance(r, str)]
    subject = _text(claims["sub"])
    assert subject is not None  # the launch refuses a missing or non-string ``sub``
    return LaunchIdentity(
        issuer=issuer,
        subject=subject,
        role=tool_role(roles),
        lti_roles=tuple(roles),
        name=_text(claims.get("name")),
        given_name=_text(claims.get("given_name")),
        family_name=_text(claims.get("family_name")),
        email=_text(claims.get("email"), 320),
        picture=_text(claims.get("picture"), 1024),
        locale=normalise_locale(_object(claims, "launch_presentation").get("locale")),
        deployment_id=_text(claims.get(CLAIM + "deployment_id")),
        context_id=_text(context.get("id")),
        context_title=_text(context.get("title"), 512),
        context_label=_text(context.get("label")),
    )


def _frame_origins(launch: ToolMessageLaunch | VerifiedLaunch) -> list[str]:
    return frame_origins(launch.platform.issuer, launch.platform.auth_login_url) if launch.platform else []


def _session_data(
    launch: ToolMessageLaunch | VerifiedLaunch,
    identity: LaunchIdentity,
    user_id: int,
    course_id: int | None,
    chosen: str | None,
) -> dict:
    claims = launch.claims
    platform = launch.platform
    assert platform is not None  # a validated launch found its platform
    link = _object(claims, "resource_link")
    presentation = _object(claims, "launch_presentation")
    return {
        "user_id": user_id,
        "course_id": course_id,
        "launch_locale": identity.locale,
        # The language the person chose in the tool stays over the launch's.
        **({"locale": chosen} if chosen else {}),
        # Only the launching platform may frame the tool during this session.
        "frame_origins": _frame_origins(launch),
        "lti": {
            "platform_id": platform.id,
            "message_type": claims.get(CLAIM + "message_type"),
            "deployment_id": identity.deployment_id,
            "resource_link_id": _text(link.get("id")),
            "resource_link_title": _text(link.get("title")),
            "return_url": _text(presentation.get("return_url"), 1024),
            "document_target": _text(presentation.get("document_target")),
            "custom": _object(claims, "custom"),
            "deep_linking": deep_linking_settings(claims),
        },
    }


_RETRYABLE_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure


def _retryable(error: IntegrityError | OperationalError) -> bool:
    return isinstance(error, IntegrityError) or getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


@bp.route("/launch", methods=["POST"])
def launch():
    key_cache = current_app.extensions["lti_platform_keys"]
    for attempt in (1, 2):
        message = ToolMessageLaunch(_tool_conf(), key_cache)
        try:
            message.validate()
            identity = identity_from_claims(message.claims, message.platform.issuer)
            user_id, course_id = _start_session(message, identity, message.stored)
            db.session.commit()
            break
        except LaunchError:
            allow_framing_by(_frame_origins(message))  # the refusal shows in the platform's frame
            raise
        except CookiesBlocked:
            # Verified in full and its nonce consumed, only the browser binding missing: the
            # launch continues in a new top-level window through a single-use code.
            code = issue_handoff(VerifiedLaunch(message.claims, message.platform), request.user_agent.string)
            db.session.commit()
            allow_framing_by(_frame_origins(message))
            log.info("launch needs a new window: state cookie missing")
            page = render_template("lti/new_window.html", handoff_url=tool_url("lti.handoff", code=code))
            return page, 401, {"Cache-Control": "no-store"}  # the code is for this one browser
        except (IntegrityError, OperationalError) as error:
            # Two first launches of one person raced on a unique row (PostgreSQL can report the
            # conflict of concurrent upserts this way), or the launch deadlocked with a roster sync
            # of the course (they lock the course's rows in another order; PostgreSQL chose this
            # one to undo): nothing was kept, so retry once.
            db.session.rollback()
            if attempt == 2 or not _retryable(error):
                raise
    log.info(
        "launch accepted",
        extra={"issuer": identity.issuer, "role": identity.role, "user_id": user_id},
    )
    if course_id is not None and identity.role in STAFF:
        sync_after_launch(current_app._get_current_object(), course_id)
    response = redirect(_destination(message.claims), code=303)
    # The state cookie has done its work.
    response.delete_cookie(
        message.login_state.cookie_name, path="/lti/", secure=True, samesite="None", partitioned=True
    )
    return response


@bp.get("/handoff")
def handoff():
    """The new window of a launch whose iframe kept no cookie: redeem its code, start the session."""
    try:
        verified = redeem_handoff(request.args.get("code", ""), request.user_agent.string)
    except Refused as refused:
        db.session.rollback()
        title = _("The tool cannot be opened")
        page = render_template("errors/error.html", title=title, message=refused.text(), status=refused.status)
        return page, refused.status
    identity = identity_from_claims(verified.claims, verified.platform.issuer)
    user_id, course_id = _start_session(verified, identity)
    db.session.commit()
    log.info("launch accepted in a new window", extra={"issuer": identity.issuer, "user_id": user_id})
    if course_id is not None and identity.role in STAFF:
        sync_after_launch(current_app._get_current_object(), course_id)
    return redirect(_destination(verified.claims), code=303)


def _start_session(launched, identity: LaunchIdentity, stored: StoredRows = NOTHING_STORED) -> tuple[int, int | None]:
    """Record a verified launch (in the iframe or redeemed in a new window) and start its session."""
    user_id, course_id, language = record_launch(identity, stored.course)
    record_services(launched.claims, launched.platform, course_id, stored)
    if course_id is None:
        end_sessions_with_other_role(user_id, identity.role)
    data = _session_data(launched, identity, user_id, course_id, language)
    start_session(cast(TokenSession, session), user_id, course_id, identity.role, data)
    return user_id, course_id


def _destination(claims: dict) -> str:
    """Where a launch was going: the deep-linking picker, a placed item, or home."""
    if claims.get(CLAIM + "message_type") == "LtiDeepLinkingRequest":
        return url_for("lti_advantage.deep_linking", s=g.session_token)
    target = _object(claims, "custom").get("target")
    return target_url(target, s=g.session_token) or url_for("home.index", s=g.session_token, launched=1)


@bp.get("/jwks")
def jwks():
    response = jsonify(current_app.extensions["lti_keys"].jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/config")
def config():
    """The URLs and JSON an administrator pastes into Moodle's manual tool registration."""
    urls = {
        "tool_url": tool_url("lti.launch"),
        "initiate_login_url": tool_url("lti.login"),
        "redirection_uris": [tool_url("lti.launch")],
        "public_keyset_url": tool_url("lti.jwks"),
    }
    settings = {
        "title": current_app.config["TOOL_NAME"],
        "lti_version": "LTI 1.3",
        "public_key_type": "Keyset URL",
        "services": [
            "IMS LTI Assignment and Grade Services: use this service for grade sync and column management",
            "IMS LTI Names and Role Provisioning: use this service to retrieve members' information",
        ],
        "privacy": {"share_name": "always", "share_email": "always", "accept_grades": "always"},
        "supports_deep_linking": True,
    }
    if request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json":
        return jsonify({"urls": urls, "moodle": settings})
    return render_template("lti/config.html", urls=urls, settings=settings)


@bp.errorhandler(LaunchError)
def launch_error(error: LaunchError):
    db.session.rollback()
    log.warning("launch refused: %s", error.code, extra={"reason": error.code, "status": error.status})
    return render_template("errors/launch.html", error=error), error.status
