"""Alembic's entry point for the catalog: migrations run on the connection dataguard hands over."""

from alembic import context

from dataguard.catalog.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
