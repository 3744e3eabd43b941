"""Programme events (kickoff, midpoint, closing, and the lectures and peer meetings facilitators
add) and attendance at them. :mod:`.rules` parses attendance reports; times are converted between
naive UTC and Europe/Helsinki with the helpers of :mod:`app.core.clock`."""


def init_app(app) -> None:
    """The programme's own events follow its dates whenever its set-up is saved."""
    from ..notifications.signals import mail_due
    from ..programme.signals import programme_dates_saved
    from .services import announce_tomorrow, ensure_programme_events

    # blinker keeps one connection per receiver, so a second app in the same process adds none.
    programme_dates_saved.connect(ensure_programme_events)
    mail_due.connect(announce_tomorrow)
