"""Whole numbers from addresses and forms that reach the database (ids, page numbers), bounded
to its integer range: an absurd one (10**23) is "not found" or the default, never an overflow."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer


def db_int(value: str) -> int:
    """For ``request.args.get(name, default, type=db_int)``: ValueError (so the default) unless
    a whole number from 0 to MAX_ID."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"{value} is out of range")
    return number


class IdConverter(IntegerConverter):
    """``<int:…>`` routes match numbers up to MAX_ID only; a larger one is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
