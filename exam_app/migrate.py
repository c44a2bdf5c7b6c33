"""Alembic wired to the app's engine, used by ``flask db`` and by the tests."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from exam_app.config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


#: Search structures made by hand in migrations (bank/search.py); autogenerate must not drop them.
HAND_MADE = ("item_versions_fts", "ix_item_versions_search_gin")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: leave the hand-made search tables and indexes alone."""
    if reflected and compare_to is None and name and name.startswith(HAND_MADE):
        return False
    return not (type_ == "column" and name == "search_vector")  # PostgreSQL-only, generated


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def pending(engine: Engine) -> bool:
    """True when the database is not at the newest migration (e.g. never migrated)."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return set(current) != set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
