"""Mail kinds and states in words: on the mail pages and in a person's own data."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "match_published": _l("My mentoring match is published"),
    "match_withdrawn": _l("My published mentoring match is withdrawn"),
    "meeting_waiting": _l("A meeting waits for my confirmation"),
    "meeting_reminder": _l("Reminders of meetings waiting for my confirmation"),
    "meeting_disputed": _l("A meeting I logged was disputed"),
    "meeting_change": _l("A counted meeting is being changed"),
    "agreement_version": _l("A new agreement version waits for my acceptance"),
    "event_tomorrow": _l("An event or sparring session tomorrow"),
    "registration_reminder": _l("Registration reminders"),
    "at_risk_nudge": _l("Nudges from the coordinator"),
    "accessibility_feedback": _l("New accessibility feedback (administrators)"),
    "gradebook_failing": _l("Scores not reaching the gradebook (administrators)"),
    "survey_reminder": _l("Reminders of programme surveys I have not answered"),
}

STATUS_LABELS = {
    "pending": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "skipped": _l("Not sent: the person turned it off"),
    "unknown": _l("Interrupted while sending: may have arrived"),
}
