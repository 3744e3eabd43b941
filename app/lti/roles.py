"""LTI roles to the tool's roles. Pure: unit-tested without a request.

Launches carry full role URIs; Moodle's membership service answers with short names
(``Learner``, ``Instructor``): both map the same way. ``membership#Mentor`` is LTI's
parent/observer role, not a mentor of this programme. A sub-role grants what its principal role
grants, except that a teaching assistant is staff only as the context role itself
(``membership#TeachingAssistant``, ``TeachingAssistant``) or under Instructor
(``membership/Instructor#TeachingAssistant``): under any other principal it grants nothing.
"""

from ..people.models import ADMINISTRATOR, FACILITATOR, GUEST, PARTICIPANT
from .vocabulary import LIS

ADMIN_SCOPES = ("institution/person", "system/person")


def _parse(role: str) -> tuple[str, str, str | None]:
    """Return (scope, principal role name, sub-role or None) for a full URI or a short name."""
    if role.startswith(LIS):
        path, _, name = role[len(LIS) :].partition("#")
        scope, _, principal = path.partition("/")
        if scope == "membership" and principal:  # membership/Instructor#TeachingAssistant
            return "membership", principal, name
        return path, name, None
    if role.startswith("urn:lti:"):  # LTI 1.1 style, still seen in the wild
        kind, _, rest = role[len("urn:lti:") :].partition(":ims/lis/")
        name, _, sub = rest.partition("/")
        scopes = {"role": "membership", "instrole": "institution/person", "sysrole": "system/person"}
        return scopes.get(kind, kind), name, sub or None
    return "membership", role, None  # short names are context roles


def tool_role(lti_roles: list[str] | None) -> str:
    """The most capable tool role that any of the launch's roles grants."""
    found = set()
    for raw in lti_roles or []:
        if not isinstance(raw, str):
            continue
        scope, name, sub = _parse(raw.strip())
        if sub == "TeachingAssistant" and name != "Instructor":
            continue  # e.g. membership/Learner#TeachingAssistant: not staff, and not a learner either
        if name == "Administrator" and scope in ADMIN_SCOPES:
            found.add(ADMINISTRATOR)
        elif scope == "membership" and name in ("Instructor", "TeachingAssistant", "Administrator"):
            found.add(FACILITATOR)
        elif scope == "membership" and name == "Learner":
            found.add(PARTICIPANT)
    for role in (ADMINISTRATOR, FACILITATOR, PARTICIPANT):
        if role in found:
            return role
    return GUEST
