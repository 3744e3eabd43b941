"""Matching registrations into mentoring pairs and groups: the pure matcher (``engine``), the
database mapping and the facilitator's operations (``services``), and the pages (``routes``)."""


def init_app(app) -> None:
    """Drafts follow their members' registrations; the registration pages ask who is matched."""
    from ..programme import matches
    from ..programme.signals import registration_changed, registration_withdrawn
    from . import services

    # blinker keeps one connection per receiver, so a second app in the same process adds none.
    registration_changed.connect(services.registration_changed)
    registration_withdrawn.connect(services.withdrawn)
    matches.register(app, services.is_matched)
