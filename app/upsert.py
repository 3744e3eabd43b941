"""``INSERT … ON CONFLICT`` for the database in use (SQLite and PostgreSQL both support it).

One statement instead of a select-then-insert-or-update: cheaper, and free of the race where
two requests insert the same row at once.
"""
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db


def insert(model):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model)
