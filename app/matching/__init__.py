"""Matching registrations into mentoring pairs and groups: the pure matcher (``engine``), the
database mapping and the facilitator's operations (``services``), and the pages (``routes``)."""
