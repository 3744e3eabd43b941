"""The platform's pages and LTI 1.3 endpoints, in Moodle's order of a launch:

``/`` course page → ``/course`` tool in an iframe → ``/launch/init`` (Moodle's launch.php: a form
POSTed to the tool's login URL) → the tool redirects to ``/auth`` (Moodle's auth.php: checks the
OIDC request, answers with a form POSTing the signed id_token to the tool's launch URL).
``/jwks`` publishes the public key.
"""

import re
import time

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from .advantage.ags import ags_claim
from .advantage.nrps import nrps_claim
from .claims import CLAIM, DOCUMENT_TARGETS, build_deep_linking_claims, build_id_token_claims
from .config import PlatformConfig
from .context import PlatformError, keys, moodle_locale, no_store, person_or_refuse, placed_link, placed_links, platform
from .hints import HintError, consume_message_hint, make_message_hint, read_message_hint
from .people import ROLES, find_person, full_name, load_people
from .registration import config_for, is_pending

bp = Blueprint("devplatform", __name__, template_folder="templates")

LOCALES = (
    ("fi", "fi", "suomi"),
    ("sv", "sv", "svenska"),
    ("en", "en", "English"),
    ("pt_br", "pt-BR", "Português (Brasil)"),
)
RESOURCE_LINK_RE = re.compile(r"^[A-Za-z0-9._:~-]{1,255}$")
ROLE_HEADINGS = {
    "learner": "Osallistujat",
    "instructor": "Fasilitaattori",
    "administrator": "Ylläpitäjä",
}
ROLE_NAMES = {"learner": "opiskelija", "instructor": "opettaja", "administrator": "ylläpitäjä"}


@bp.app_errorhandler(PlatformError)
def platform_error(error: PlatformError):
    response = current_app.make_response((render_template("devplatform/error.html", error=error), error.status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    people = load_people()
    groups = [(role, ROLE_HEADINGS[role], [p for p in people if p["role"] == role]) for role in ROLES]
    return render_template(
        "devplatform/index.html",
        platform=platform(),
        groups=groups,
        locales=LOCALES,
        role_names=ROLE_NAMES,
        full_name=full_name,
        activities=[platform().resource_link(None)]
        + [platform().resource_link(link["id"], link["title"]) for link in placed_links()],
    )


@bp.get("/course")
def course():
    person = person_or_refuse(request.args.get("user"))
    locale = moodle_locale(request.args.get("locale"), person)
    params = {"user": person["id"], "locale": locale}
    if request.args.get("resource_link_id"):
        params["resource_link_id"] = request.args["resource_link_id"]
    placed = placed_link(params.get("resource_link_id"))
    link = platform().resource_link(params.get("resource_link_id"), (placed or {}).get("title"))
    return render_template(
        "devplatform/course.html",
        platform=platform(),
        person=person,
        name=full_name(person),
        locale=locale,
        link=link,
        iframe_src=(
            url_for("devdeeplinking.init", user=person["id"], locale=locale)
            if request.args.get("select_content")
            else url_for("devplatform.launch_init", **params)
        ),
        window_src=url_for("devplatform.launch_init", target="window", **params),
    )


@bp.get("/launch/init")
def launch_init():
    """Moodle's mod/lti/launch.php: the third-party-initiated login, as an auto-submitted form.
    ``client`` launches a dynamically registered tool instead of the configured one."""
    config = config_for(request.args.get("client"))
    if is_pending(request.args.get("client")):
        raise PlatformError(
            "tool_pending",
            "Työkalu odottaa ylläpitäjän hyväksyntää (Manage tools).",
            "The tool is registered but pending until an administrator activates it.",
        )
    person = person_or_refuse(request.args.get("user"))
    locale = moodle_locale(request.args.get("locale"), person)
    link_id = request.args.get("resource_link_id") or None
    if link_id is not None and not RESOURCE_LINK_RE.match(link_id):
        raise PlatformError(
            "invalid_resource_link_id",
            "Aktiviteetin tunniste (resource_link_id) ei kelpaa.",
            "resource_link_id must be 1–255 characters of letters, digits and . _ : ~ -",
        )
    placed = placed_link(link_id)
    link = config.resource_link(link_id, request.args.get("resource_link_title") or (placed or {}).get("title"))
    target = request.args.get("target") or "iframe"
    if target not in DOCUMENT_TARGETS:
        raise PlatformError(
            "invalid_target",
            "Näyttötapa (target) ei kelpaa.",
            f"target must be one of {', '.join(DOCUMENT_TARGETS)}.",
        )
    hint = make_message_hint(
        config,
        keys().current(),
        user_id=person["id"],
        locale=locale,
        resource_link_id=link.id,
        resource_link_title=link.title,
        document_target=target,
        now=int(time.time()),
    )
    fields = [
        ("iss", config.issuer),
        ("target_link_uri", config.tool_launch_url),
        ("login_hint", person["id"]),
        ("lti_message_hint", hint),
        ("client_id", config.client_id),
        ("lti_deployment_id", config.deployment_id),
    ]
    return no_store(
        render_template(
            "devplatform/autopost.html",
            page_title="Käynnistetään työkalua",
            explanation=f"Kirjaudutaan työkaluun käyttäjänä {full_name(person)}.",
            action=config.tool_login_url,
            fields=fields,
            form_id="ltiInitiateLoginForm",
        )
    )


def _check_auth_request(config: PlatformConfig, values) -> tuple[dict, dict]:
    """Validate an OIDC authentication request; return (hint claims, person) or raise."""

    def bad(code, fi, en):
        return PlatformError(code, fi, en)

    scope = values.get("scope", "")
    if "openid" not in scope.split():
        raise bad(
            "invalid_scope", "scope-parametrin on sisällettävä openid.", f"scope must include 'openid', got {scope!r}."
        )
    if values.get("response_type") != "id_token":
        raise bad(
            "invalid_response_type",
            "response_type-parametrin on oltava id_token.",
            f"response_type must be 'id_token', got {values.get('response_type')!r}.",
        )
    if values.get("response_mode") != "form_post":
        raise bad(
            "invalid_response_mode",
            "response_mode-parametrin on oltava form_post.",
            f"response_mode must be 'form_post', got {values.get('response_mode')!r}.",
        )
    if values.get("prompt") != "none":
        raise bad(
            "invalid_prompt",
            "prompt-parametrin on oltava none.",
            f"prompt must be 'none', got {values.get('prompt')!r}.",
        )
    if values.get("client_id") != config.client_id:
        raise bad(
            "invalid_client_id",
            "client_id ei ole tälle alustalle rekisteröidyn työkalun tunnus.",
            f"client_id {values.get('client_id')!r} is not the registered tool's ({config.client_id!r}).",
        )
    if values.get("redirect_uri") not in config.redirect_uris:
        raise bad(
            "invalid_redirect_uri",
            "redirect_uri ei ole työkalulle rekisteröity paluuosoite.",
            f"redirect_uri {values.get('redirect_uri')!r} is not registered for the tool "
            f"(registered: {', '.join(config.redirect_uris)}).",
        )
    for required in ("nonce", "state", "login_hint", "lti_message_hint"):
        if not values.get(required):
            raise bad(f"missing_{required}", f"Parametri {required} puuttuu.", f"The {required} parameter is missing.")
    try:
        hint = read_message_hint(config, keys().current(), values["lti_message_hint"])
    except HintError as exc:
        raise bad(
            "invalid_lti_message_hint",
            "lti_message_hint ei ole tämän alustan allekirjoittama tai se on vanhentunut.",
            f"lti_message_hint was not signed by this platform or has expired ({exc}).",
        ) from exc
    try:
        consume_message_hint(config, hint)
    except HintError as exc:
        # Moodle answers a replayed login with its "invalid request" error page.
        raise bad(
            "used_lti_message_hint",
            "Tämä kirjautumispyyntö on jo käytetty. Käynnistä työkalu uudelleen kurssilta.",
            f"lti_message_hint has been used already ({exc}); Moodle accepts each launch once.",
        ) from exc
    if values["login_hint"] != hint["sub"]:
        raise bad(
            "login_hint_mismatch",
            "login_hint ei vastaa käynnistyksen käyttäjää.",
            f"login_hint {values['login_hint']!r} does not match the launch's user ({hint['sub']!r}).",
        )
    person = find_person(hint["sub"])
    if person is None:
        raise bad("unknown_user", "Käynnistyksen käyttäjää ei enää ole.", f"User {hint['sub']!r} no longer exists.")
    return hint, person


@bp.route("/auth", methods=["GET", "POST"])
def auth():
    """Moodle's mod/lti/auth.php: answer the tool's OIDC request with a signed id_token."""
    values = request.form if request.method == "POST" else request.args
    config = config_for(values.get("client_id"))
    hint, person = _check_auth_request(config, values)
    now = int(time.time())
    if hint.get("dl"):
        claims = build_deep_linking_claims(
            config, person, locale=hint["locale"], nonce=values["nonce"], now=now, settings=hint["dl"]
        )
        claims.update(service_claims(config.course.id, None))
    else:
        claims = build_id_token_claims(
            config,
            person,
            locale=hint["locale"],
            resource_link=config.resource_link(hint["rl"], hint.get("rlt")),
            nonce=values["nonce"],
            now=now,
            document_target=hint.get("dt", "iframe"),
        )
        placed = placed_link(hint["rl"])
        if placed:  # a deep-linked activity carries the custom parameters the tool gave it
            claims[CLAIM + "custom"] = dict(placed["custom"])
        claims.update(service_claims(config.course.id, hint["rl"]))
    id_token = keys().current().sign(claims)
    return no_store(
        render_template(
            "devplatform/autopost.html",
            page_title="Palataan työkaluun",
            explanation=f"Työkalu saa kirjautumistiedot käyttäjästä {full_name(person)}.",
            action=values["redirect_uri"],
            fields=[("state", values["state"]), ("id_token", id_token)],
            form_id="ltiAuthForm",
        )
    )


def service_claims(course_id: str, link_id: str | None) -> dict:
    """The AGS and NRPS claims Moodle adds to a launch when the tool may use those services."""
    return {
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags_claim(course_id, link_id),
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": nrps_claim(course_id),
    }


@bp.get("/return")
def return_page():
    """The launch's return_url (Moodle's mod/lti/return.php): back to the course page."""
    return render_template("devplatform/return.html", platform=platform())


@bp.get("/jwks")
def jwks():
    response = jsonify(keys().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _mail_folder():
    from .mailsink import MailFolder

    return MailFolder(platform().instance / "mail")


@bp.get("/mail")
def mail():
    """Every message the tool sent, per person, as each would receive it."""
    messages = _mail_folder().messages()
    recipients = sorted({m.to for m in messages})
    chosen = request.args.get("to") or ""
    shown = [m for m in messages if m.to == chosen] if chosen else messages
    return render_template("devplatform/mail.html", messages=shown, recipients=recipients, chosen=chosen)


@bp.get("/mail/<name>")
def mail_message(name):
    found = _mail_folder().get(name)
    if found is None:
        raise PlatformError("mail_not_found", "Viestiä ei löydy.", "No such message.", 404)
    return render_template("devplatform/mail_message.html", mail=found)
