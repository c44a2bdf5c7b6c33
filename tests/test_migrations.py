"""The schema comes from migrations alone, and they agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from exam_app import migrate
from exam_app.db import Base


#: SQLite cannot reflect an index on an expression (users' lower(employee_no)): SQLAlchemy skips it
#: and Alembic leaves it out of the comparison, each with a warning. PostgreSQL compares it; its
#: migration is checked on both in tests/accounts/test_employee_no_case.py.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_upgrade_head_matches_the_models(app: Flask) -> None:
    engine = app.extensions["db_engine"]  # built by `upgrade head` in the app fixture
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": migrate.include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"


def test_downgrade_to_base_and_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine)
    assert "users" in inspect(engine).get_table_names()
    migrate.downgrade(engine, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_existing_items_stay_in_both_modes_and_the_token_watches_exposure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'e.sqlite3'}")
    migrate.upgrade(engine, "7c2d4e5f6a01")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO items (status, needs_review, created_at, updated_at) "
                "VALUES ('published', 0, '2026-01-01', '2026-01-01')"
            )
        )
    migrate.upgrade(engine, "8a1e2b3c4d01")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT exposure FROM items")).scalar_one() == "both"
        before = conn.execute(text("SELECT token FROM bank_state")).scalar_one()
        conn.execute(text("UPDATE items SET exposure = 'certification'"))
        assert conn.execute(text("SELECT token FROM bank_state")).scalar_one() != before
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE items SET exposure = 'everyone'"))
    migrate.downgrade(engine, "7c2d4e5f6a01")
    assert "exposure" not in {c["name"] for c in inspect(engine).get_columns("items")}
    engine.dispose()
