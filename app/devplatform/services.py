"""The platform's LTI Advantage services, shaped like Moodle 4.x's: the OAuth2 token endpoint
(mod/lti/token.php), Assignment and Grade Services (mod/lti/service/gradebookservices) and Names
and Role Provisioning (mod/lti/service/memberships), with a gradebook page and fault injection.

State lives in this process's memory (one ``ServiceState`` per platform app, behind a lock):
the development platform runs as one threaded process, and a restart starts a clean gradebook.
``/dev/control`` lets tests and benchmarks switch faults on, change the roster, read counters.
"""
import random
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlencode

import jwt
import requests
from flask import Blueprint, current_app, jsonify, render_template, request

from .people import full_name, load_people

bp = Blueprint("devservices", __name__, template_folder="templates")

SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = SCOPE + "lineitem"
SCOPE_LINEITEM_READ = SCOPE + "lineitem.readonly"
SCOPE_SCORE = SCOPE + "score"
SCOPE_RESULT = SCOPE + "result.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ALL_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_SCORE, SCOPE_RESULT, SCOPE_NRPS)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
SHORT_ROLES = {"learner": ["Learner"], "instructor": ["Instructor"], "administrator": ["Instructor"]}


def _roster_only() -> tuple:
    """Course members who are in the roster but not among the "launch as" people: the tool's
    ``demo seed`` creates the same people (subjects ``demo-roster-1`` … ``-48``) as staff who
    have not opened the tool yet, so a roster sync keeps them active."""
    return tuple(
        {
            "id": f"demo-roster-{n}",
            "given_name": "Kurssin",
            "family_name": f"jäsen {n}",
            "email": f"kurssin.jasen.{n}@tulanet.example",
            "organisation": "Tulanet",
            "role": "learner",
            "lang": "fi",
        }
        for n in range(1, 49)
    )


ROSTER_ONLY = _roster_only()


@dataclass
class Faults:
    """What the platform does wrong on purpose, per service or token request."""

    fail_rate: float = 0.0  # share of requests answered with ``fail_status``
    fail_status: int = 500
    retry_after: int | None = None  # seconds, sent with 429 and 503
    drop_rate: float = 0.0  # share of connections closed without an answer
    delay: float = 0.0  # seconds added to every answer
    html_rate: float = 0.0  # share of service requests answered 200 with an HTML page (a login or maintenance page)
    apply_to_token: bool = True


@dataclass
class ServiceState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    faults: Faults = field(default_factory=Faults)
    rng: random.Random = field(default_factory=random.Random)
    token_lifetime: int = 3600
    granted_scopes: tuple = ALL_SCOPES
    tokens: dict = field(default_factory=dict)  # token -> (client id, expires, scopes)
    line_items: dict = field(default_factory=dict)  # id -> line item dict (without the URL id)
    next_line_item: int = 1
    grades: dict = field(default_factory=dict)  # (line item id, user id) -> grade dict
    score_log: list = field(default_factory=list)  # every accepted score, in arrival order
    counters: dict = field(default_factory=lambda: {"token_requests": 0, "score_posts": 0, "faults": 0, "drops": 0, "conflicts": 0, "membership_pages": 0, "html_pages": 0})
    extra_members: list = field(default_factory=lambda: list(ROSTER_ONLY))
    generated: int = 0
    removed: set = field(default_factory=set)
    tool_jwks: dict = field(default_factory=dict)  # jwks url -> keys
    placed_links: dict = field(default_factory=dict)  # deep-linked resource links by id
    registration_fault: str | None = None  # "malformed_config" or "refuse" (dynamic registration)

    def members(self) -> list[dict]:
        people = [p for p in load_people() if p["id"] not in self.removed]
        return people + [p for p in self.extra_members if p["id"] not in self.removed]

    def learner_ids(self) -> set[str]:
        return {p["id"] for p in self.members() if p["role"] == "learner"}


def state() -> ServiceState:
    return current_app.extensions["devplatform_services"]


def _config():
    return current_app.extensions["devplatform"]


class ServiceError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class HtmlPage(Exception):
    """Answer with a 200 HTML page instead of the service (a login or maintenance page)."""


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    response = jsonify({"status": error.status, "reason": error.message})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


@bp.errorhandler(HtmlPage)
def html_page(_error: HtmlPage):
    return "<!DOCTYPE html><html><head><title>Huoltokatko</title></head><body><h1>Moodle on huoltotilassa</h1></body></html>", 200, {"Content-Type": "text/html; charset=utf-8"}


def _inject_faults(is_token: bool = False) -> None:
    """Fail, delay or drop this request as the fault settings say (dev control switches them)."""
    s = state()
    faults = s.faults
    if is_token and not faults.apply_to_token:
        return
    if faults.delay:
        time.sleep(faults.delay)
    with s.lock:
        roll_drop, roll_fail, roll_html = s.rng.random(), s.rng.random(), s.rng.random()
    if not is_token and roll_html < faults.html_rate:
        with s.lock:
            s.counters["html_pages"] += 1
        raise HtmlPage()
    if roll_drop < faults.drop_rate:
        with s.lock:
            s.counters["drops"] += 1
        # Half the drops happen before the work, half after it: the client cannot tell which,
        # so a retry must be harmless either way.
        if s.rng.random() < 0.5:
            _drop_connection()
        request.environ["devplatform.drop_after"] = True
    if roll_fail < faults.fail_rate:
        with s.lock:
            s.counters["faults"] += 1
        headers = {}
        if faults.retry_after is not None and faults.fail_status in (429, 503):
            headers["Retry-After"] = str(faults.retry_after)
        raise ServiceError(faults.fail_status, "injected fault", headers)


def _shutdown_socket() -> None:
    # The development server and gunicorn each expose the client's socket under their own key.
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _drop_connection() -> None:
    _shutdown_socket()
    raise ServiceError(499, "connection dropped")


@bp.after_request
def _maybe_drop_after(response):
    if request.environ.get("devplatform.drop_after"):
        _shutdown_socket()  # the work is done and stored; the answer never arrives
    return response


# --- OAuth2 client credentials (mod/lti/token.php) ---


def _tool_keys(jwks_url: str, kid: str, refresh: bool = False) -> dict | None:
    s = state()
    keys = s.tool_jwks.get(jwks_url)
    if keys is None or refresh or kid not in keys:
        response = requests.get(jwks_url, timeout=5)
        response.raise_for_status()
        keys = {k["kid"]: k for k in response.json()["keys"] if "kid" in k}
        s.tool_jwks[jwks_url] = keys
    return keys.get(kid)


def registered_clients() -> dict:
    """client id -> tool JWKS URL: the configured tool plus dynamically registered ones."""
    config = _config()
    clients = {config.client_id: config.tool_jwks_url}
    for reg in current_app.extensions.get("devplatform_registrations", {}).values():
        clients[reg["client_id"]] = reg["jwks_uri"]
    return clients


@bp.post("/token")
def token():
    _inject_faults(is_token=True)
    s = state()
    with s.lock:
        s.counters["token_requests"] += 1
    form = request.form
    if request.mimetype != "application/x-www-form-urlencoded":
        raise ServiceError(400, "invalid_request: the token request must be form-encoded")
    if form.get("grant_type") != "client_credentials":
        raise ServiceError(400, "unsupported_grant_type")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
        raise ServiceError(400, "invalid_request: a JWT client assertion is required")
    assertion = form["client_assertion"]
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise ServiceError(400, "invalid_request: the client assertion is not a JWT") from None
    if header.get("alg") != "RS256":
        raise ServiceError(400, "invalid_client: only RS256 assertions are accepted")
    client_id = unverified.get("sub")
    jwks_url = registered_clients().get(client_id)
    if jwks_url is None:
        raise ServiceError(400, "invalid_client: unknown client id")
    try:
        key = _tool_keys(jwks_url, header.get("kid", ""))
        if key is None:
            raise ServiceError(400, "invalid_client: unknown key id")
        jwt.decode(
            assertion,
            jwt.PyJWK(key, algorithm="RS256").key,
            algorithms=["RS256"],
            audience=_config().token_url,
            options={"require": ["exp", "iat", "sub", "iss", "jti"]},
        )
    except (jwt.InvalidTokenError, jwt.PyJWKError, requests.RequestException) as exc:
        raise ServiceError(400, f"invalid_client: {exc}") from exc
    if unverified.get("iss") != client_id:
        raise ServiceError(400, "invalid_client: iss and sub must both be the client id")
    requested = form.get("scope", "").split()
    # Moodle silently drops scopes the tool was not granted.
    granted = [sc for sc in requested if sc in s.granted_scopes]
    access = secrets.token_urlsafe(24)
    with s.lock:
        s.tokens[access] = (client_id, time.time() + s.token_lifetime, frozenset(granted))
    return jsonify(
        {"access_token": access, "token_type": "Bearer", "expires_in": s.token_lifetime, "scope": " ".join(granted)}
    )


def _require(*scopes: str, type_id: str | None = None) -> str:
    """The bearer token's client id, if it is valid and holds one of ``scopes``. The tool type
    comes in the query (``?type_id=N``) or, for memberships, in the path."""
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        raise ServiceError(401, "missing bearer token")
    s = state()
    with s.lock:
        entry = s.tokens.get(auth[7:])
    if entry is None or entry[1] < time.time():
        raise ServiceError(401, "invalid or expired access token")
    if not entry[2] & set(scopes):
        raise ServiceError(403, "the access token lacks the scope for this service")
    if not (type_id or request.args.get("type_id")):
        raise ServiceError(400, "type_id missing: service URLs must be used verbatim")
    return entry[0]


# --- Assignment and Grade Services ---


def lineitems_url(course_id: str, type_id: str = "1") -> str:
    return f"{_config().url}/mod/lti/services.php/{course_id}/lineitems?type_id={type_id}"


def lineitem_url(course_id: str, item_id: int, type_id: str = "1") -> str:
    return f"{_config().url}/mod/lti/services.php/{course_id}/lineitems/{item_id}/lineitem?type_id={type_id}"


def memberships_url(course_id: str, type_id: str = "1") -> str:
    return f"{_config().url}/mod/lti/services.php/CourseSection/{course_id}/bindings/{type_id}/memberships"


def _item_json(course_id: str, item: dict) -> dict:
    body = {"id": lineitem_url(course_id, item["id"], request.args.get("type_id", "1"))}
    body.update({k: v for k, v in item.items() if k != "id" and v is not None})
    return body


def _check_course(course_id: str) -> None:
    if course_id != _config().course.id:
        raise ServiceError(404, "no such course")


def items_for_link(link_id: str) -> list[dict]:
    """The line items bound to one resource link (the launch sends ``lineitem`` only for one)."""
    s = state()
    with s.lock:
        return [i for i in s.line_items.values() if i.get("resourceLinkId") == link_id]


@bp.route("/mod/lti/services.php/<course_id>/lineitems", methods=["GET", "POST"])
def lineitems(course_id):
    _inject_faults()
    s = state()
    if request.method == "GET":
        _require(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
        _check_course(course_id)
        with s.lock:
            items = list(s.line_items.values())
        for param, key in (("resource_id", "resourceId"), ("resource_link_id", "resourceLinkId"), ("tag", "tag")):
            if request.args.get(param):
                items = [i for i in items if i.get(key) == request.args[param]]
        response = jsonify([_item_json(course_id, i) for i in items])
        response.headers["Content-Type"] = "application/vnd.ims.lis.v2.lineitemcontainer+json"
        return response
    _require(SCOPE_LINEITEM)
    _check_course(course_id)
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict) or not body.get("label"):
        raise ServiceError(400, "a line item needs a label")
    maximum = body.get("scoreMaximum")
    if isinstance(maximum, bool) or not isinstance(maximum, (int, float)) or maximum <= 0:
        raise ServiceError(400, "a line item needs a positive scoreMaximum")
    with s.lock:
        item = {
            "id": s.next_line_item,
            "label": body["label"],
            "scoreMaximum": maximum,
            "resourceId": body.get("resourceId"),
            "tag": body.get("tag"),
            "resourceLinkId": body.get("resourceLinkId"),
            # A line item a tool creates without a link is a manual grade item in Moodle.
            "manual": not body.get("resourceLinkId"),
        }
        s.line_items[item["id"]] = item
        s.next_line_item += 1
    response = jsonify(_item_json(course_id, item))
    response.status_code = 201
    response.headers["Content-Type"] = LINEITEM_TYPE
    return response


def _item(course_id: str, item_id: int) -> dict:
    _check_course(course_id)
    with state().lock:
        item = state().line_items.get(item_id)
    if item is None:
        raise ServiceError(404, "no such line item")
    return item


@bp.get("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem")
def lineitem(course_id, item_id):
    _inject_faults()
    _require(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
    return jsonify(_item_json(course_id, _item(course_id, item_id)))


def _epoch(timestamp: str) -> int:
    """PHP's strtotime: whole seconds."""
    value = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp())


@bp.post("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/scores")
def scores(course_id, item_id):
    _inject_faults()
    _require(SCOPE_SCORE)
    item = _item(course_id, item_id)
    s = state()
    with s.lock:
        s.counters["score_posts"] += 1
    score = request.get_json(force=True, silent=True)
    if not isinstance(score, dict):
        raise ServiceError(400, "the score is not a JSON object")
    for required in ("userId", "timestamp", "activityProgress", "gradingProgress"):
        if required not in score:
            raise ServiceError(400, f"the score lacks {required}")
    user_id = str(score["userId"])
    if user_id not in s.learner_ids():
        raise ServiceError(400, f"user {user_id} is not an enrolled learner of this course")
    try:
        stamp = _epoch(score["timestamp"])
    except (TypeError, ValueError):
        raise ServiceError(400, "the timestamp is not ISO 8601") from None
    maximum = score.get("scoreMaximum", 1)
    given = score.get("scoreGiven")
    with s.lock:
        current = s.grades.get((item_id, user_id))
        if current is not None and current["timestamp"] >= stamp:
            s.counters["conflicts"] += 1
            raise ServiceError(409, "Refusing score with an earlier timestamp")
        grade = None
        if score["gradingProgress"] == "FullyGraded" and given is not None:
            grade = float(given) / float(maximum) * float(item["scoreMaximum"])
        s.grades[(item_id, user_id)] = {
            "grade": grade,
            "timestamp": stamp,
            "comment": score.get("comment"),
            "activityProgress": score["activityProgress"],
            "gradingProgress": score["gradingProgress"],
        }
        s.score_log.append(
            {"item": item_id, "user": user_id, "scoreGiven": given, "scoreMaximum": maximum, "timestamp": score["timestamp"], "grade": grade}
        )
    return "", 200


@bp.get("/mod/lti/services.php/<course_id>/lineitems/<int:item_id>/lineitem/results")
def results(course_id, item_id):
    _inject_faults()
    _require(SCOPE_RESULT)
    item = _item(course_id, item_id)
    s = state()
    with s.lock:
        rows = [(u, g) for (i, u), g in s.grades.items() if i == item_id and g["grade"] is not None]
    base = lineitem_url(course_id, item_id, request.args["type_id"])
    return jsonify(
        [
            {"id": base + f"&user={u}", "scoreOf": base, "userId": u, "resultScore": g["grade"], "resultMaximum": item["scoreMaximum"], "comment": g["comment"]}
            for u, g in rows
        ]
    )


# --- Names and Role Provisioning ---


@bp.get("/mod/lti/services.php/CourseSection/<course_id>/bindings/<type_id>/memberships")
def memberships(course_id, type_id):
    _inject_faults()
    _require(SCOPE_NRPS, type_id=type_id)
    _check_course(course_id)
    s = state()
    with s.lock:
        s.counters["membership_pages"] += 1
    members = s.members()
    role = request.args.get("role")
    if role:
        short = role.rsplit("#", 1)[-1]
        members = [m for m in members if short in SHORT_ROLES[m["role"]]]
    try:
        limit = int(request.args.get("limit") or 0)
        offset = int(request.args.get("from") or 0)
    except ValueError:
        raise ServiceError(400, "limit and from must be numbers") from None
    page = members[offset: offset + limit] if limit else members[offset:]
    config = _config()
    body = {
        "id": request.base_url,
        "context": {"id": config.course.id, "label": config.course.label, "title": config.course.title},
        "members": [
            {
                "status": "Active",
                "user_id": m["id"],
                "name": full_name(m),
                "given_name": m["given_name"],
                "family_name": m["family_name"],
                "email": m["email"],
                "roles": SHORT_ROLES[m["role"]],
            }
            for m in page
        ],
    }
    response = jsonify(body)
    response.headers["Content-Type"] = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
    if limit and offset + limit < len(members):
        query = {k: v for k, v in request.args.items() if k != "from"}
        query.update({"limit": limit, "from": offset + limit})
        response.headers["Link"] = f'<{request.base_url}?{urlencode(query)}>; rel="next"'
    return response


# --- The gradebook page and the control endpoint for tests and demos ---


@bp.get("/gradebook")
def gradebook():
    s = state()
    with s.lock:
        items = sorted(s.line_items.values(), key=lambda i: i["id"])
        grades = dict(s.grades)
    learners = [m for m in s.members() if m["role"] == "learner"]
    return render_template(
        "devplatform/gradebook.html",
        platform=_config(),
        items=items,
        learners=learners,
        grades=grades,
        full_name=full_name,
        when=lambda stamp: datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
    )


@bp.route("/dev/control", methods=["GET", "POST"])
def control():
    """Read counters and the score log; switch faults, token lifetime, granted scopes, roster;
    add an activity by hand (``{"add_activity": {"id": "hand-1", "title": …, "scoreMaximum": 100}}``)."""
    s = state()
    if request.method == "POST":
        body = request.get_json(force=True, silent=True) or {}
        with s.lock:
            if "faults" in body:
                s.faults = Faults(**body["faults"])
            if "seed" in body:
                s.rng.seed(body["seed"])
            if "token_lifetime" in body:
                s.token_lifetime = int(body["token_lifetime"])
            if "granted_scopes" in body:
                s.granted_scopes = tuple(body["granted_scopes"])
            if "expire_tokens" in body:
                s.tokens = {k: (c, 0, sc) for k, (c, _e, sc) in s.tokens.items()}
            if "generate_learners" in body:
                start = s.generated
                s.generated += int(body["generate_learners"])
                s.extra_members += [
                    {
                        "id": f"g{start + n:05d}",
                        "given_name": "Testi",
                        "family_name": f"Osallistuja {start + n}",
                        "email": f"testi.{start + n}@tulanet.example",
                        "organisation": "SYKE",
                        "role": "learner",
                        "lang": "fi",
                    }
                    for n in range(int(body["generate_learners"]))
                ]
            if "add_activity" in body:
                _add_activity(s, body["add_activity"])
            if "registration_fault" in body:
                s.registration_fault = body["registration_fault"]
            for user_id in body.get("remove_members", []):
                s.removed.add(str(user_id))
            if body.get("reset_gradebook"):
                s.line_items.clear()
                s.grades.clear()
                s.score_log.clear()
                s.next_line_item = 1
    with s.lock:
        return jsonify(
            {
                "counters": dict(s.counters),
                "line_items": list(s.line_items.values()),
                "score_log": list(s.score_log) if request.args.get("log") else len(s.score_log),
                "grades": [{"item": i, "user": u, **g} for (i, u), g in s.grades.items()],
                "faults": s.faults.__dict__,
            }
        )


def _add_activity(s: ServiceState, activity: dict) -> None:
    """An External tool activity a course designer adds by hand (no deep linking): with a grade
    type of Point (Moodle's default) it gets its own grade item, bound to the link, without a
    resourceId or tag; its launches carry no custom ``target``. Caller holds the lock."""
    link_id = str(activity["id"])
    s.placed_links[link_id] = {"id": link_id, "title": str(activity.get("title") or "Mentorointi")[:255], "url": None, "custom": {}, "client_id": None}
    maximum = activity.get("scoreMaximum", 100)
    if maximum:  # grade type None: no grade item, so no ``lineitem`` in the launch
        s.line_items[s.next_line_item] = {
            "id": s.next_line_item,
            "label": s.placed_links[link_id]["title"],
            "scoreMaximum": maximum,
            "resourceId": None,
            "tag": None,
            "resourceLinkId": link_id,
            "manual": False,
        }
        s.next_line_item += 1


def ags_claim(course_id: str, link_id: str | None) -> dict:
    """The launch's AGS endpoint claim: ``lineitem`` only when the link has exactly one item."""
    claim = {"scope": [SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT, SCOPE_SCORE], "lineitems": lineitems_url(course_id)}
    if link_id:
        items = items_for_link(link_id)
        if len(items) == 1:
            claim["lineitem"] = lineitem_url(course_id, items[0]["id"])
    return claim


def nrps_claim(course_id: str) -> dict:
    return {"context_memberships_url": memberships_url(course_id), "service_versions": ["1.0", "2.0"]}


def placed_link(link_id: str | None) -> dict | None:
    """A link the tool placed by deep linking, with its title and custom parameters."""
    s = state()
    with s.lock:
        return s.placed_links.get(link_id) if link_id else None


def placed_links() -> list[dict]:
    s = state()
    with s.lock:
        return list(s.placed_links.values())


def init_app(app) -> None:
    from .deeplinking import bp as deep_linking_bp
    from .registration import bp as registration_bp

    app.extensions["devplatform_services"] = ServiceState()
    app.extensions.setdefault("devplatform_registrations", {})
    app.register_blueprint(bp)
    app.register_blueprint(deep_linking_bp)
    app.register_blueprint(registration_bp)


