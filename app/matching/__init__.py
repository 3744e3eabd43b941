"""Matching of registrations into mentoring pairs and groups (pure domain code: see ``rules``)."""
