"""Matching registrations into mentoring pairs and groups: the pure matcher (``rules``), the
database mapping and the facilitator's operations (``services``), and the pages (``routes``)."""
