"""What every part of the platform reads from the running platform app: its configuration and
keys, the services' in-memory state (one ``ServiceState`` per app, behind a lock), and the
refusal every page uses (``PlatformError``). The development platform runs as one threaded
process, and a restart starts a clean gradebook.
"""

import random
import re
import threading
from dataclasses import dataclass, field

from flask import current_app

from .config import PlatformConfig
from .keys import KeyStore
from .people import find_person, load_people

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
    counters: dict = field(
        default_factory=lambda: {
            "token_requests": 0,
            "score_posts": 0,
            "faults": 0,
            "drops": 0,
            "conflicts": 0,
            "membership_pages": 0,
            "html_pages": 0,
        }
    )
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


def placed_link(link_id: str | None) -> dict | None:
    """A link the tool placed by deep linking, with its title and custom parameters."""
    s = state()
    with s.lock:
        return s.placed_links.get(link_id) if link_id else None


def placed_links() -> list[dict]:
    s = state()
    with s.lock:
        return list(s.placed_links.values())


# Moodle language-pack codes: "fi", "sv_fi", "pt_br", "en_us"...
LOCALE_RE = re.compile(r"^[a-z]{2,3}(_[a-z0-9]{2,8})?$")


@dataclass
class PlatformError(Exception):
    """A refused request: a 400 page naming the problem, in Finnish and in English."""

    code: str
    message_fi: str
    message_en: str
    status: int = 400


def platform() -> PlatformConfig:
    return current_app.extensions["devplatform"]


def keys() -> KeyStore:
    return current_app.extensions["devplatform_keys"]


def no_store(response):
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def person_or_refuse(user_id: str | None) -> dict:
    if not user_id:
        raise PlatformError("missing_user", "Käyttäjä puuttuu (parametri user).", "The user parameter is missing.")
    person = find_person(user_id)
    if person is None:
        raise PlatformError(
            "unknown_user",
            f"Tuntematon käyttäjä: {user_id}.",
            f"Unknown user {user_id!r}: not in the platform's people.json.",
        )
    return person


def moodle_locale(value: str | None, person: dict) -> str:
    if not value:
        return person["lang"]
    value = value.strip().lower().replace("-", "_")
    if not LOCALE_RE.match(value):
        raise PlatformError(
            "invalid_locale",
            "Kielikoodi ei ole Moodlen muotoa (esim. fi, sv, en, pt_br).",
            f"Locale {value!r} is not a Moodle language code such as fi, sv, en or pt_br.",
        )
    return value
