"""Database plumbing: the declarative base, UTC datetimes, and one session per request.

Plain SQLAlchemy 2.0 (Flask's "SQLAlchemy pattern" without an import-time engine): the engine
is built from config in ``init_app``, services take a ``Session``, the request boundary commits.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes.

    SQLite keeps no zone, PostgreSQL's ``timestamptz`` does; this makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json_dumps(value: Any) -> str:
    # Keep Chinese readable in JSON columns, so substring search (LIKE '%电费%') finds it.
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, echo: bool = False, sqlite_begin: str = "BEGIN IMMEDIATE") -> Engine:
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url, echo, sqlite_begin)
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        json_serializer=_json_dumps,
    )


def _make_sqlite_engine(url: str, echo: bool, begin: str) -> Engine:
    engine = create_engine(
        url, echo=echo, connect_args={"timeout": 30}, json_serializer=_json_dumps
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; take control
        # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")  # SQLite ignores FKs unless asked, per connection
        if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
            cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cur.execute("PRAGMA synchronous=NORMAL")  # durable across app crashes in WAL mode
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock at the start. A deferred transaction that read and
        # then writes fails at once (SQLITE_BUSY_SNAPSHOT, no waiting) when another request
        # wrote in between; queuing for the lock up front (busy_timeout) never loses a save.
        conn.exec_driver_sql(begin)

    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("DATABASE_ECHO", False))
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["db_engine"] = engine
    app.extensions["db_session"] = scoped_session(factory)

    @app.teardown_appcontext
    def _remove_session(exc: BaseException | None) -> None:
        # Whatever the view did not commit is rolled back: nothing is ever half-saved.
        app.extensions["db_session"].remove()


def get_session() -> Session:
    """The session of the current request (or CLI command)."""
    return current_app.extensions["db_session"]()  # type: ignore[no-any-return]


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]  # type: ignore[no-any-return]
