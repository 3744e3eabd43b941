"""Message ids marked for translation where no request (and no Flask) is at hand: pure rules
modules return them, and the web layer translates them."""


def N_(message: str) -> str:
    """Mark ``message`` for extraction (``N_`` is one of pybabel's default keywords); no translation."""
    return message
