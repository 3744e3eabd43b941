"""The signal the mail worker sends so that higher areas queue their scheduled mail (a reminder
after three days, an event tomorrow) without being imported here.

Receivers connect at their ``init_app`` and get ``now=`` (UTC). They queue with
``services.notify`` and an idempotency key that names the occasion, so each mail is queued once
however often the worker asks; they flush, never commit (the worker commits).
"""

from flask.signals import Namespace

_signals = Namespace()

#: Scheduled mail may be due: queue what is due at ``now``.
mail_due = _signals.signal("mail-due")
