"""Mentoring pairs and small groups: the rows every area that works with a group shares."""
