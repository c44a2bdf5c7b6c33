"""``DirectStatement``: a statement sent on the driver's cursor stores what
``Connection.execute`` would, inside the transaction the engine would begin, and fails the way
SQLAlchemy fails. On the test database (SQLite or PostgreSQL), in a table of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import JSON, bindparam, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from exam_app.db import UTCDateTime, make_engine
from exam_app.direct import DirectStatement


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS direct_probe"))
        conn.execute(
            text(
                "CREATE TABLE direct_probe (n INTEGER PRIMARY KEY, at TIMESTAMP WITH TIME ZONE,"
                " doc JSON, label VARCHAR(20) NOT NULL)"
            )
        )
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE direct_probe"))
    engine.dispose()


_INSERT = text(
    "INSERT INTO direct_probe (n, at, doc, label) VALUES (:n, :at, :doc, :label) RETURNING n + 1"
).bindparams(bindparam("at", type_=UTCDateTime()), bindparam("doc", type_=JSON()))
_DIRECT = DirectStatement(_INSERT)
_STORED = text("SELECT CAST(at AS VARCHAR(60)), CAST(doc AS VARCHAR(200)) FROM direct_probe")
_COUNT = text("SELECT count(*) FROM direct_probe")


def _values(n: int) -> dict[str, Any]:
    beijing = timezone(timedelta(hours=8))  # stored as UTC, whatever zone it comes in
    at = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=beijing) + timedelta(minutes=n)
    return {"n": n, "at": at, "doc": {"答案": ["A", "C"], "n": n}, "label": "电费"}


def test_values_are_stored_exactly_as_connection_execute_stores_them(engine: Engine) -> None:
    with engine.connect() as conn:
        returned = _DIRECT.first_row(conn, _values(1))
        conn.execute(_INSERT, _values(1) | {"n": 2, "at": _values(1)["at"]})
        conn.commit()
    assert returned == (2,)
    with engine.connect() as conn:
        direct, through_sqlalchemy = conn.execute(_STORED).all()
        typed = conn.execute(
            text("SELECT at FROM direct_probe WHERE n = 1").columns(at=UTCDateTime())
        ).scalar_one()
    assert direct[0] == through_sqlalchemy[0]  # the same text: comparisons in SQL agree
    assert direct[1].replace(" ", "") == through_sqlalchemy[1].replace(" ", "")
    assert "答案" in direct[1], "Chinese kept readable, as the engine's serializer writes it"
    assert typed == datetime(2026, 12, 2, 1, 31, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_it_runs_in_the_transaction_the_engine_begins(engine: Engine, end: str) -> None:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        seen.append(sql.split()[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            _DIRECT.first_row(conn, _values(1))
            assert conn.in_transaction()
            getattr(conn, end)()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen == ["INSERT"], "the engine's listeners saw the statement (the lazy BEGIN's)"
    with engine.connect() as conn:
        assert conn.execute(_COUNT).scalar_one() == (1 if end == "commit" else 0)


def test_a_driver_error_is_sqlalchemys_and_leaves_nothing(engine: Engine) -> None:
    with engine.connect() as conn:
        _DIRECT.first_row(conn, _values(1))
        with pytest.raises(IntegrityError) as raised:
            _DIRECT.first_row(conn, _values(1) | {"label": None})  # NOT NULL
        assert not raised.value.connection_invalidated
        conn.rollback()
    with engine.connect() as conn:
        assert conn.execute(_COUNT).scalar_one() == 0, "the whole transaction went"


def test_a_closed_connection_invalidates_the_pool_as_sqlalchemy_would(engine: Engine) -> None:
    """A restart closes every connection: the one that finds out is replaced, and so is each
    one waiting in the pool, before anyone else takes it."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a connection the server closes is PostgreSQL's (make test-pg)")
    kill = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (:a, :b)")
    with engine.connect() as conn, engine.connect() as waiting:
        pids = {
            "a": conn.execute(text("SELECT pg_backend_pid()")).scalar_one(),
            "b": waiting.execute(text("SELECT pg_backend_pid()")).scalar_one(),
        }
        conn.rollback()
        waiting.rollback()
    admin = make_engine(engine.url.render_as_string(hide_password=False))  # a pool of its own
    with admin.connect() as killer:
        killer.execute(kill, pids)
        killer.commit()
    admin.dispose()
    with engine.connect() as conn:
        with pytest.raises(DBAPIError) as raised:
            _DIRECT.first_row(conn, _values(1))
        assert raised.value.connection_invalidated
        conn.rollback()
        assert _DIRECT.first_row(conn, _values(1)) == (2,), "a new connection, the same call"
        conn.commit()
        with engine.connect() as other:  # would be the other closed one, were the pool kept
            assert other.execute(_COUNT).scalar_one() == 1
