"""Signals the groups area sends so that higher areas can react without being imported here.

They run inside the sender's transaction: receivers flush, never commit.
"""

from flask.signals import Namespace

_signals = Namespace()

#: Every member of a group (the sender) said go on: the group is agreed, and the meetings its
#: members logged while sounding out now count.
group_agreed = _signals.signal("group-agreed")
