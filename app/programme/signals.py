"""Signals the programme area sends so that higher areas can react without being imported here.

Receivers connect at their ``init_app``; the sender is the :class:`~app.programme.models.Programme`.
They run inside the sender's transaction: receivers flush, never commit.
"""

from flask.signals import Namespace

_signals = Namespace()

#: A programme was created or its set-up (dates included) saved.
programme_dates_saved = _signals.signal("programme-dates-saved")
