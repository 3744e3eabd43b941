"""The pairs' own space: agreement, attested meetings, completion to the gradebook, the private
journal, reminders and ending early: the pair's page, progress and ending in ``routes``; meetings,
agreement and journal pages in ``meeting_pages``, ``agreement_pages``, ``journal_pages``; on pure rules
(``rules``)."""


def init_app(app) -> None:
    """Scores follow the programme's N and a group's agreement; the journal's key is checked at start-up."""
    from ..groups import meetings
    from ..groups.signals import group_agreed
    from ..notifications.signals import mail_due
    from ..programme.signals import required_meetings_changed
    from . import changes, journal, progress, services

    # blinker keeps one connection per receiver, so a second app in the same process adds none.
    required_meetings_changed.connect(services.recount_programme)
    mail_due.connect(changes.remind_waiting_meetings)
    group_agreed.connect(services.recount_group)
    meetings.register(app, lambda group: bool(progress.group_meetings(group.id)))
    journal.init_app(app)
