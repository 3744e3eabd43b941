"""Signals the programme area sends so that higher areas can react without being imported here.

Receivers connect at their ``init_app``; the sender is the :class:`~app.programme.models.Programme`.
They run inside the sender's transaction: receivers flush, never commit.
"""

from flask.signals import Namespace

_signals = Namespace()

#: A programme was created or its set-up (dates included) saved.
programme_dates_saved = _signals.signal("programme-dates-saved")

#: The programme's required number of meetings (N) changed. Receivers return the ids of the
#: people whose scores they queued again (the set-up page reports how many).
required_meetings_changed = _signals.signal("required-meetings-changed")

#: A participant saved their registration (``registration=``), new or edited.
registration_changed = _signals.signal("registration-changed")

#: A participant withdrew their registration (``registration=``).
registration_withdrawn = _signals.signal("registration-withdrawn")
