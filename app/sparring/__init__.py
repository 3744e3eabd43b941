"""Sparring groups: separate groups for mentors and for aktoris (peers in either), each with a
facilitator and its own space of sessions, materials and discussion.

:mod:`.rules` holds the pure assignment helper, :mod:`.markdown` the sanitised rendering of what
members write, :mod:`.routes` the facilitators' pages and :mod:`.space` each group's space.
"""


def init_app(app) -> None:
    """Members hear the day before that their group meets (``mail.announce_tomorrow``)."""
    from ..notifications.signals import mail_due
    from .mail import announce_tomorrow

    mail_due.connect(announce_tomorrow)
