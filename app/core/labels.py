"""Label tables shared by several areas' pages and forms (codes as stored → words as shown)."""

from flask_babel import lazy_gettext as _l

LANGUAGE_LABELS = {"fi": _l("Finnish"), "sv": _l("Swedish"), "en": _l("English")}
ROLE_WISH_LABELS = {
    "mentor": _l("Mentor: I guide a less experienced colleague"),
    "aktori": _l("Aktori: I develop my skills with a more experienced colleague's support"),
    "peer": _l("Peer: we support each other, each in our own area"),
    "any": _l("Any role: whatever gives the best pairs"),
}
FORM_LABELS = {
    "traditional": _l("Traditional mentoring"),
    "reverse": _l("Reverse mentoring (the less experienced one mentors in their own strength)"),
    "group": _l("Group mentoring (one mentor with two aktoris)"),
    "peer": _l("Peer mentoring"),
}
