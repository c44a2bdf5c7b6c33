"""Alembic environment: runs against the engine exam_app/migrate.py hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from exam_app.config import Config
from exam_app.migrate import include_object
from exam_app.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(Config.DATABASE_URL)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
