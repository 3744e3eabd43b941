"""Sparring groups: separate groups for mentors and for aktoris (peers in either), each with a
facilitator and its own space of sessions, materials and discussion.

:mod:`.rules` holds the pure assignment helper, :mod:`.markdown` the sanitised rendering of what
members write, :mod:`.routes` the facilitators' pages and :mod:`.space` each group's space.
"""
