"""Alembic's environment for our tables (records/schema.py runs it).

The connection comes from records/schema.py, already in a transaction that holds the
migration lock; Alembic's own command line (see alembic.ini here) gets one for the
configured database (DATABASE_URL).
"""
from alembic import context

from records import database, schema
from records.all_tables import metadata
from serving.settings import settings


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      include_object=schema.ours, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=settings().database, target_metadata=metadata,
                      include_object=schema.ours, render_as_batch=True,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif context.config.attributes.get("connection") is not None:
    run(context.config.attributes["connection"])
else:
    with database.create_engine(settings().database).begin() as connection:
        run(connection)
