"""The LTI endpoints: OIDC login, launch, the tool's JWKS and its configuration for Moodle."""

import logging

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
from sqlalchemy.exc import IntegrityError

from app.core.auth import STAFF
from app.core.db import csrf, db
from app.core.i18n import normalise_locale
from app.core.security import allow_framing_by, frame_origins
from app.core.sessions import end_sessions_with_other_role, start_session
from app.core.web import tool_url

from ..people.models import User
from ..people.services import LaunchIdentity, record_launch
from .deep_linking import deep_linking_settings
from .errors import LaunchError
from .launch import (
    CookiesBlocked,
    DbToolConf,
    ToolMessageLaunch,
    begin_login,
    read_login_state,
)
from .placements import target_url
from .roles import tool_role
from .roster import sync_after_launch
from .services import record_services
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


@bp.get("/relaunch")
def relaunch():
    """Restart a login first-party (in a new window) when the iframe could keep no cookie."""
    state = read_login_state(request.args.get("state", ""))
    auth_url, cookies = begin_login(_tool_conf(), tool_url("lti.launch"), state.login_params)
    response = redirect(auth_url, code=302)
    cookies.update_response(response)
    return response


def _object(claims: dict, name: str) -> dict:
    """An optional object claim; anything else a platform sends there counts as absent."""
    value = claims.get(CLAIM + name)
    return value if isinstance(value, dict) else {}


def _text(value, limit: int = 255) -> str | None:
    """An optional text claim as a bounded string (platforms send numbers, lists, nothing…)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value)[:limit] or None


def identity_from_claims(claims: dict, issuer: str) -> LaunchIdentity:
    context = _object(claims, "context")
    roles = [r for r in claims.get(CLAIM + "roles") or [] if isinstance(r, str)]
    return LaunchIdentity(
        issuer=issuer,
        subject=_text(claims["sub"]),
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


def _frame_origins(launch: ToolMessageLaunch) -> list[str]:
    return frame_origins(launch.platform.issuer, launch.platform.auth_login_url) if launch.platform else []


def _session_data(launch: ToolMessageLaunch, identity: LaunchIdentity, user_id: int, course_id: int | None) -> dict:
    claims = launch.claims
    link = _object(claims, "resource_link")
    presentation = _object(claims, "launch_presentation")
    chosen = db.session.scalar(db.select(User.language).where(User.id == user_id))
    return {
        "user_id": user_id,
        "course_id": course_id,
        "launch_locale": identity.locale,
        # The language the person chose in the tool stays over the launch's.
        **({"locale": chosen} if chosen else {}),
        # Only the launching platform may frame the tool during this session.
        "frame_origins": _frame_origins(launch),
        "lti": {
            "platform_id": launch.platform.id,
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


@bp.route("/launch", methods=["POST"])
def launch():
    key_cache = current_app.extensions["lti_platform_keys"]
    for attempt in (1, 2):
        message = ToolMessageLaunch(_tool_conf(), key_cache)
        try:
            message.validate()
            identity = identity_from_claims(message.claims, message.platform.issuer)
            user_id, course_id = record_launch(identity)
            record_services(message.claims, message.platform, course_id)
            end_sessions_with_other_role(user_id, course_id, identity.role)
            start_session(
                session, user_id, course_id, identity.role, _session_data(message, identity, user_id, course_id)
            )
            db.session.commit()
            break
        except LaunchError:
            allow_framing_by(_frame_origins(message))  # the refusal shows in the platform's frame
            raise
        except CookiesBlocked as blocked:
            db.session.rollback()
            allow_framing_by(_frame_origins(message))
            log.info("launch needs a new window: state cookie missing")
            return render_template(
                "lti/new_window.html",
                relaunch_url=tool_url("lti.relaunch", state=blocked.login_state.token),
            ), 401
        except IntegrityError:
            # Two first launches of one person raced on a unique row (PostgreSQL can report the
            # conflict of concurrent upserts this way): retry once.
            db.session.rollback()
            if attempt == 2:
                raise
    log.info(
        "launch accepted",
        extra={"issuer": identity.issuer, "role": identity.role, "user_id": user_id},
    )
    if course_id is not None and identity.role in STAFF:
        sync_after_launch(current_app._get_current_object(), course_id)
    if message.claims.get(CLAIM + "message_type") == "LtiDeepLinkingRequest":
        destination = url_for("lti_advantage.deep_linking", s=g.session_token)
    else:
        target = _object(message.claims, "custom").get("target")
        destination = target_url(target, s=g.session_token) or url_for("programme.home", s=g.session_token, launched=1)
    response = redirect(destination, code=303)
    # The state cookie has done its work.
    response.delete_cookie(
        message.login_state.cookie_name, path="/lti/", secure=True, samesite="None", partitioned=True
    )
    return response


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
