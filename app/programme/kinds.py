"""The forms of mentoring and the roles in them, as registrations and groups store them, and their
short names as message ids (shared by the programme's pages, matching and mentoring). Pure: no
Flask."""

from enum import StrEnum

from app.core.msgid import N_


class Role(StrEnum):
    """A role wish (registration) or a role in a group (then never ``ANY``)."""

    MENTOR = "mentor"
    AKTORI = "aktori"
    PEER = "peer"
    ANY = "any"


class Form(StrEnum):
    """A form of mentoring."""

    TRADITIONAL = "traditional"
    REVERSE = "reverse"
    GROUP = "group"
    PEER = "peer"


FORM_LABELS = {
    Form.TRADITIONAL: N_("traditional mentoring"),
    Form.REVERSE: N_("reverse mentoring"),
    Form.GROUP: N_("group mentoring"),
    Form.PEER: N_("peer mentoring"),
}
ROLE_LABELS = {
    Role.MENTOR: N_("mentor"),
    Role.AKTORI: N_("aktori"),
    Role.PEER: N_("peer"),
    Role.ANY: N_("any role"),
}
