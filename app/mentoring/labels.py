"""Meeting modes and states in words: shown on mentoring's pages and in a person's own data export."""

from flask_babel import lazy_gettext as _l

from . import rules

MODE_NAMES = {"video": _l("video call"), "phone": _l("phone"), "in_person": _l("in person")}
STATE_NAMES = {
    rules.COUNTED: _l("counted"),
    rules.PENDING: _l("waiting for confirmation"),
    rules.DISPUTED: _l("disputed"),
}
ANSWER_NAMES = {
    rules.CONFIRMED: _l("confirmed"),
    rules.PENDING: _l("not answered yet"),
    rules.DISPUTED: _l("disputed"),
}
