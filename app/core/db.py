"""The database and the other Flask extensions, and ``INSERT … ON CONFLICT`` for the database in use.

Upserts (SQLite and PostgreSQL both support them) are one statement instead of a
select-then-insert-or-update: cheaper, and free of the race where two requests insert the same
row at once. Statements on the launch path are built once per
dialect and reused with new parameters: building them costs more than running them.
"""

from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import CursorResult, MetaData, Result, case, func
from sqlalchemy.dialects import postgresql, sqlite

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
db = SQLAlchemy(metadata=metadata)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()

# Models subclass ``Model``, not ``db.Model``: a type checker cannot use an attribute of an
# instance as a base class. It is the same class at run time; for the checker it is Flask-SQLAlchemy's
# model (``query``) over a declarative base (``__init__(**columns)``, ``__table__``, ``metadata``).
# Relationships are ``sqlalchemy.orm.relationship`` under a ``Mapped[...]`` annotation: ``db.relationship``
# is typed as a bare property, and differs only in the query class of dynamic relationships (there are none).
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel
    from sqlalchemy.orm import DeclarativeBase

    class Model(_FlaskModel, DeclarativeBase):
        pass

else:
    Model = db.Model


def rowcount(result: Result[Any]) -> int:
    """The rows an executed UPDATE or DELETE matched. The session types every result as a plain
    ``Result``; an UPDATE's or DELETE's is a ``CursorResult``, which counts them."""
    return cast(CursorResult[Any], result).rowcount


def _dialect_module() -> ModuleType:
    return postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite


def insert(model: Any) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_update``/``on_conflict_do_nothing``."""
    return _dialect_module().insert(model)


def upsert(
    model: Any,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    *,
    keep_when_null: tuple[str, ...] = (),
    returning: str | tuple[str, ...] | None = None,
    stamp: tuple[str, str, str] | None = None,
) -> Any:
    """A reusable ``INSERT … ON CONFLICT (conflict) DO UPDATE`` of ``update``'s columns.

    Execute it with the row as parameters. Columns in ``keep_when_null`` keep their stored value
    when the new one is NULL. ``returning`` names one column (or several) to return. ``stamp``
    ``(stamp, watched, value)`` sets column ``stamp`` to the new row's ``value`` when an update
    changes ``watched`` and keeps it otherwise: the moment of a change, in the same statement.
    """
    return _upsert(_dialect_module(), model.__table__, conflict, update, keep_when_null, returning, stamp)


@cache
def _upsert(
    module: ModuleType,
    table: Any,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    keep_when_null: tuple[str, ...],
    returning: str | tuple[str, ...] | None,
    stamp: tuple[str, str, str] | None,
) -> Any:
    statement = module.insert(table)
    excluded = statement.excluded
    values = {
        column: func.coalesce(excluded[column], table.c[column]) if column in keep_when_null else excluded[column]
        for column in update
    }
    if stamp is not None:
        column, watched, value = stamp
        values[column] = case((table.c[watched] != excluded[watched], excluded[value]), else_=table.c[column])
    statement = statement.on_conflict_do_update(index_elements=list(conflict), set_=values)
    if returning is None:
        return statement
    names = (returning,) if isinstance(returning, str) else returning
    return statement.returning(*(table.c[name] for name in names))


def insert_new(model: Any, conflict: tuple[str, ...], *, returning: str | None = None) -> Any:
    """A reusable ``INSERT … ON CONFLICT (conflict) DO NOTHING``; with ``returning``, the
    statement returns a row only when it inserted one."""
    return _insert_new(_dialect_module(), model.__table__, conflict, returning)


@cache
def _insert_new(module: ModuleType, table: Any, conflict: tuple[str, ...], returning: str | None) -> Any:
    statement = module.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    return statement.returning(table.c[returning]) if returning else statement
