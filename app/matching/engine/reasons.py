"""Reason codes, their message templates and labels, and rendering a reason as a sentence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.msgid import N_
from app.programme.kinds import FORM_LABELS, ROLE_LABELS

from .types import Form, Reason, Role

# Every code, what it means, and its parameters. Messages use %(name)s placeholders (Flask-Babel).
REASON_CODES: dict[str, str] = {
    # Why a group was formed (Group.reasons)
    "form": "The form of mentoring used. params: form (Form value).",
    "shared_theme": "A theme the mentor offers and the aktori wants (peers: either way). "
    "params: themes (list), offered_by, wanted_by (names).",
    "similar_goals": "The goals texts are similar. params: words (list of shared words), "
    "similarity (0..1), between (list of two names).",
    "same_language": "The members share a language. params: language (code of the first shared "
    "language by fi, sv, en, then alphabetical), languages (all shared codes).",
    "nominated": "A member named another as their counterpart. params: by, nominee (names), "
    "mutual (bool: they named each other).",
    "cross_organisation": "The relationship crosses organisations and the programme prefers that. "
    "params: organisations (list).",
    "same_organisation": "All members are from one organisation (allowed; for information). params: organisation.",
    "locked": "The facilitator fixed the group by hand. No params.",
    "score": "The group's points 0-100 and their parts. params: points, parts (points.PARTS key -> "
    "points, adding up to points). Facilitators only.",
    "nomination_not_kept": "Someone's nomination was not followed. params: by, nominee (names), "
    "cause (a CAUSE_LABELS key). Facilitators only.",
    # Why a registration stayed unmatched (Unmatched.reasons)
    "no_form_for_role": "The forms accepted do not allow the role wished. params: role.",
    "no_compatible_counterpart": "Nobody in the cohort wishes a complementary role. params: role.",
    "no_shared_language": "No possible counterpart shares a language. params: languages (list).",
    "no_compatible_form": "No possible counterpart accepts a common form. params: forms (list).",
    "must_not_pair_blocked": "Every otherwise compatible counterpart is on a must-not-pair list "
    "(theirs or this person's). params: count.",
    "group_not_formed": "Only group mentoring fits and no valid group could be formed. No params.",
    "counterparts_taken": "Every compatible counterpart is already in a published group or a locked "
    "draft. params: published, locked (counts).",
    "capacity_exhausted": "Compatible counterparts exist but the best overall result matched them "
    "with others. params: candidates (count).",
    "theme_not_offered": "Nobody in the cohort offers these wanted themes. params: themes (list).",
    "theme_taken": "Everyone who offers these wanted themes and could mentor the person is already "
    "in a published group or a locked draft. params: themes (list).",
    # What is wrong with a group made or edited by hand (group_problems); facilitators only
    "wrong_shape": "The members' roles do not fit the form. params: form.",
    "role_not_wished": "A member has a role they did not wish. params: name, role (the wish).",
    "form_not_accepted": "A member does not accept the group's form. params: name, form.",
    "over_capacity": "A mentor has more aktoris than their capacity. params: name.",
    "reverse_without_theme": "Reverse mentoring without a theme fit. params: mentor, aktori (names).",
    "no_common_language": "No language shared by all members. No params.",
    "must_not_pair": "Two members must not be paired (a hard constraint). params: a, b (names).",
}

# Codes safe to show to the members of a group; the others are for facilitators.
PARTICIPANT_REASON_CODES = frozenset(
    {
        "form",
        "shared_theme",
        "similar_goals",
        "same_language",
        "nominated",
        "cross_organisation",
        "same_organisation",
        "locked",
    }
)

_TEMPLATES: dict[str, str] = {
    "form": N_("form of mentoring: %(form)s"),
    "shared_theme": N_("both: %(themes)s"),
    "similar_goals": N_("similar goals: %(words)s"),
    "same_language": N_("same language: %(language)s"),
    "nominated": N_("nominated by %(by)s"),
    "nominated/mutual": N_("%(by)s and %(nominee)s nominated each other"),
    "cross_organisation": N_("across organisations: %(organisations)s"),
    "same_organisation": N_("same organisation: %(organisation)s"),
    "locked": N_("fixed by the facilitator"),
    "score": N_("%(points)s/100 (%(parts)s)"),
    "nomination_not_kept": N_("nomination of %(nominee)s by %(by)s not kept: %(cause)s"),
    "no_form_for_role": N_("the forms of mentoring chosen do not allow the role wished (%(role)s)"),
    "no_compatible_counterpart": N_("nobody registered for a role that complements %(role)s"),
    "no_shared_language": N_("no possible counterpart shares a language (%(languages)s)"),
    "no_compatible_form": N_("no possible counterpart accepts the same form of mentoring (%(forms)s)"),
    "must_not_pair_blocked": N_("every compatible counterpart is excluded by a must-not-pair entry"),
    "group_not_formed": N_("only group mentoring fits, and no group could be formed"),
    "counterparts_taken": N_(
        "everyone who would fit is already in a pair or group (%(published)s published, %(locked)s in drafts)"
    ),
    "capacity_exhausted": N_(
        "compatible counterparts (%(candidates)s) were matched with others for a better overall result"
    ),
    "theme_not_offered": N_("nobody offers the theme wanted: %(themes)s"),
    "theme_taken": N_("everyone offering the theme wanted is already in a pair or group: %(themes)s"),
    "wrong_shape": N_("the members' roles do not fit %(form)s"),
    "role_not_wished": N_("%(name)s wished another role (%(role)s)"),
    "form_not_accepted": N_("%(name)s does not accept %(form)s"),
    "over_capacity": N_("%(name)s takes only one aktori"),
    "reverse_without_theme": N_("reverse mentoring, but %(mentor)s offers no theme %(aktori)s wants"),
    "no_common_language": N_("the members share no language"),
    "must_not_pair": N_("%(a)s and %(b)s must not be paired"),
}

PART_LABELS = {
    "theme": N_("shared theme"),
    "goals": N_("similar goals"),
    "cross_organisation": N_("crossing organisations"),
    "nomination": N_("nomination"),
    "base": N_("fits the rules"),
}

CAUSE_LABELS = {
    "must_not_pair": N_("they must not be paired"),
    "no_shared_language": N_("no shared language"),
    "incompatible": N_("their roles or forms of mentoring do not fit"),
    "locked": N_("one of them is in a group fixed by the facilitator"),
    "not_registered": N_("the person nominated has not registered"),
    "better_overall": N_("a better overall result placed them elsewhere"),
    "published": N_("the person nominated is already in a published pair or group"),
}


def _identity(text: str) -> str:
    return text


def describe(
    reason: Reason,
    gettext: Callable[[str], str] = _identity,
    theme_label: Callable[[str], str] = _identity,
    language_label: Callable[[str], str] = _identity,
) -> tuple[str, dict[str, Any]]:
    """The untranslated message id for ``reason`` and its parameters, ready for ``%`` formatting.

    Lists are joined with ", "; form, role and cause values become their labels passed through
    ``gettext``; themes and languages go through ``theme_label`` and ``language_label``.
    """
    code, raw = reason.code, dict(reason.params)
    if code not in REASON_CODES:
        raise KeyError(f"unknown reason code {code!r}")
    msgid = _TEMPLATES["nominated/mutual"] if code == "nominated" and raw.get("mutual") else _TEMPLATES[code]
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "form":
            params[key] = gettext(FORM_LABELS[Form(value)])
        elif key == "forms":
            params[key] = ", ".join(gettext(FORM_LABELS[Form(v)]) for v in value)
        elif key == "role":
            params[key] = gettext(ROLE_LABELS[Role(value)])
        elif key == "cause":
            params[key] = gettext(CAUSE_LABELS[value])
        elif key == "themes":
            params[key] = ", ".join(theme_label(v) for v in value)
        elif key in ("language",):
            params[key] = language_label(value)
        elif key == "languages":
            params[key] = ", ".join(language_label(v) for v in value)
        elif key == "parts":
            params[key] = " · ".join(f"{gettext(PART_LABELS[part])}: {value}" for part, value in value.items())
        elif key == "similarity":
            params[key] = f"{value:.2f}"
        elif isinstance(value, list | tuple | frozenset | set):
            params[key] = ", ".join(str(v) for v in value)
        else:
            params[key] = value
    return msgid, params


def render(reason: Reason, gettext: Callable[[str], str] = _identity, **labels) -> str:
    """``reason`` as one localised phrase, e.g. ``render(r, flask_babel.gettext)``."""
    msgid, params = describe(reason, gettext, **labels)
    return gettext(msgid) % params
