"""Deep linking on the platform side, like Moodle's "Select content" (mod/lti/contentitem.php and
contentitem_return.php): start a deep-linking launch, then verify the tool's signed
``LtiDeepLinkingResponse`` (signature against the tool's JWKS, ``aud``, ``deployment_id``,
``data`` echo, content item types) and place the returned links in the course.

The ``data`` the platform sends is a token it signs for itself, so verifying the echo needs no
server state. Placed links live in the platform's in-memory service state.
"""

import time

import jwt
import requests
from flask import Blueprint, current_app, render_template, request, url_for

from .advantage.token import registered_clients
from .claims import CLAIM, DL_CLAIM
from .context import PlatformError, keys, moodle_locale, no_store, person_or_refuse, platform, state
from .people import full_name

bp = Blueprint("devdeeplinking", __name__, template_folder="templates")

DATA_PURPOSE = "deep_linking_data"
DATA_LIFETIME = 3600
KNOWN_TYPES = ("ltiResourceLink", "link", "file", "html", "image")


def _platform_error(code: str, fi: str, en: str):

    return PlatformError(code, fi, en)


def settings_for(person_id: str, accept_types: list[str], accept_multiple: bool, now: int) -> dict:
    """The deep_linking_settings claim; ``data`` names who asked and what may come back."""

    config = platform()
    data = jwt.encode(
        {
            "sub": person_id,
            "types": accept_types,
            "multiple": accept_multiple,
            "iat": now,
            "exp": now + DATA_LIFETIME,
            "aud": DATA_PURPOSE,
        },
        keys().current().derived_secret(DATA_PURPOSE),
        algorithm="HS256",
    )
    return {
        "deep_link_return_url": config.url + "/deep_linking/return",
        "accept_types": accept_types,
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": accept_multiple,
        "auto_create": True,
        "title": config.course.title,
        "data": data,
    }


def _read_data(value) -> dict:

    try:
        return jwt.decode(
            value, keys().current().derived_secret(DATA_PURPOSE), algorithms=["HS256"], audience=DATA_PURPOSE
        )
    except (jwt.InvalidTokenError, TypeError) as exc:
        raise _platform_error(
            "dl_bad_data",
            "Vastauksen data-kenttä ei ole alustan lähettämä (tai se on vanhentunut).",
            f"The response's data claim is not the one the platform sent ({exc}).",
        ) from exc


def _tool_key(jwks_url: str, kid: str | None) -> dict:
    try:
        response = requests.get(jwks_url, timeout=5)
        response.raise_for_status()
        keys = {k.get("kid"): k for k in response.json()["keys"]}
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise _platform_error(
            "dl_jwks", "Työkalun julkisia avaimia ei saatu.", f"The tool's JWKS could not be fetched ({exc})."
        ) from exc
    if kid not in keys:
        raise _platform_error(
            "dl_unknown_kid",
            "Vastaus on allekirjoitettu tuntemattomalla avaimella.",
            f"The response is signed with an unknown key {kid!r}.",
        )
    return keys[kid]


def verify_response(token: str) -> tuple[dict, dict]:
    """The verified response claims and the settings its ``data`` echo carries, or PlatformError."""

    config = platform()
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise _platform_error("dl_malformed", "Vastaus ei ole JWT.", "The response is not a JWT.") from exc
    if header.get("alg") != "RS256":
        raise _platform_error(
            "dl_alg", "Vain RS256-allekirjoitus kelpaa.", f"Only RS256 is accepted, not {header.get('alg')!r}."
        )
    client_id = unverified.get("iss")
    jwks_url = registered_clients().get(client_id)
    if jwks_url is None:
        raise _platform_error(
            "dl_unknown_client",
            "Vastauksen lähettäjä (iss) ei ole rekisteröity työkalu.",
            f"iss {client_id!r} is not a registered tool's client id.",
        )
    key = _tool_key(jwks_url, header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            jwt.PyJWK(key, algorithm="RS256").key,
            algorithms=["RS256"],
            audience=config.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
        )
    except jwt.InvalidAudienceError as exc:
        raise _platform_error(
            "dl_aud",
            "Vastausta ei ole osoitettu tälle alustalle (aud).",
            "The response's aud is not this platform's issuer.",
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise _platform_error(
            "dl_signature",
            "Vastauksen allekirjoitus tai voimassaolo ei kelpaa.",
            f"The response's signature or validity is wrong ({exc}).",
        ) from exc
    if claims.get(CLAIM + "message_type") != "LtiDeepLinkingResponse" or claims.get(CLAIM + "version") != "1.3.0":
        raise _platform_error(
            "dl_message_type",
            "Viesti ei ole LtiDeepLinkingResponse 1.3.0.",
            "The message is not an LTI 1.3.0 LtiDeepLinkingResponse.",
        )
    deployments = {config.deployment_id} | {
        r["deployment_id"]
        for r in current_app.extensions.get("devplatform_registrations", {}).values()
        if r["client_id"] == client_id
    }
    if claims.get(CLAIM + "deployment_id") not in deployments:
        raise _platform_error(
            "dl_deployment",
            "Vastauksen deployment_id ei ole tämän työkalun.",
            f"deployment_id {claims.get(CLAIM + 'deployment_id')!r} is not this tool's.",
        )
    settings = _read_data(claims.get(DL_CLAIM + "data"))
    items = claims.get(DL_CLAIM + "content_items", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _platform_error(
            "dl_items", "content_items ei ole lista olioita.", "content_items must be a list of objects."
        )
    for item in items:
        if item.get("type") not in settings["types"]:
            raise _platform_error(
                "dl_type",
                f"Sisältötyyppiä {item.get('type')!r} ei pyydetty.",
                f"Content item type {item.get('type')!r} was not in accept_types.",
            )
        line_item = item.get("lineItem")
        if line_item is not None:
            maximum = line_item.get("scoreMaximum") if isinstance(line_item, dict) else None
            if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or maximum <= 0:
                raise _platform_error(
                    "dl_line_item",
                    "lineItem tarvitsee positiivisen scoreMaximum-arvon.",
                    "A lineItem needs a positive scoreMaximum.",
                )
    if len(items) > 1 and not settings["multiple"]:
        raise _platform_error(
            "dl_multiple", "Alusta pyysi vain yhtä sisältöä.", "accept_multiple was false but several items came back."
        )
    return claims, settings


def place(items: list[dict], client_id: str) -> list[dict]:
    """Add the returned links to the course, each graded one with its own line item."""
    s = state()
    placed = []
    with s.lock:
        for item in items:
            if item.get("type") != "ltiResourceLink":
                continue
            link_id = f"dl-{len(s.placed_links) + 1}"
            link = {
                "id": link_id,
                "title": str(item.get("title") or "Aktiviteetti")[:255],
                "url": item.get("url"),
                "custom": {str(k): str(v) for k, v in (item.get("custom") or {}).items()},
                "client_id": client_id,
            }
            s.placed_links[link_id] = link
            line_item = item.get("lineItem")
            if line_item:
                s.line_items[s.next_line_item] = {
                    "id": s.next_line_item,
                    "label": line_item.get("label") or link["title"],
                    "scoreMaximum": line_item["scoreMaximum"],
                    "resourceId": line_item.get("resourceId"),
                    "tag": line_item.get("tag"),
                    "resourceLinkId": link_id,
                    "manual": False,
                }
                s.next_line_item += 1
            placed.append(link)
    return placed


@bp.get("/deep_linking/init")
def init():
    """Moodle's "Select content" button: a deep-linking launch as the given (teacher) user."""
    from .hints import make_message_hint

    config = platform()
    person = person_or_refuse(request.args.get("user"))
    locale = moodle_locale(request.args.get("locale"), person)
    now = int(time.time())
    types = [t for t in (request.args.get("accept_types") or "ltiResourceLink").split(",") if t]
    unknown = [t for t in types if t not in KNOWN_TYPES]
    if unknown:
        raise _platform_error("dl_init_types", "Tuntematon sisältötyyppi.", f"Unknown accept_types {unknown!r}.")
    multiple = request.args.get("accept_multiple", "1") not in ("0", "false")
    settings = settings_for(person["id"], types, multiple, now)
    hint = make_message_hint(
        config,
        keys().current(),
        user_id=person["id"],
        locale=locale,
        resource_link_id="",
        resource_link_title="",
        document_target="iframe",
        now=now,
        deep_linking=settings,
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
            page_title="Valitaan sisältöä",
            explanation=f"Avataan työkalun sisällönvalinta käyttäjänä {full_name(person)}.",
            action=config.tool_login_url,
            fields=fields,
            form_id="ltiInitiateLoginForm",
        )
    )


@bp.post("/deep_linking/return")
def deep_linking_return():
    """Moodle's contentitem_return.php: verify the tool's answer and place its links."""
    token = request.form.get("JWT")
    if not token:
        raise _platform_error(
            "dl_missing_jwt", "Vastauksesta puuttuu JWT.", "The deep-linking response has no JWT parameter."
        )
    claims, settings = verify_response(token)
    placed = place(claims.get(DL_CLAIM + "content_items", []), claims["iss"])
    return render_template(
        "devplatform/deep_linking_return.html",
        placed=placed,
        message=claims.get(DL_CLAIM + "msg"),
        user=settings["sub"],
        course_url=lambda link: url_for("devplatform.course", user=settings["sub"], resource_link_id=link["id"]),
    )
