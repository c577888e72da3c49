"""Alembic environment: runs migrations on the engine that evroster itself would build."""

from __future__ import annotations

from alembic import context

from evroster.storage.sql.engine import create_engine
from evroster.storage.sql.tables import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
