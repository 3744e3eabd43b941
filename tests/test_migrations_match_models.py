"""The models and the migrations describe the same schema (on the database the tests run on)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.core.db import db


def test_migrated_database_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []
