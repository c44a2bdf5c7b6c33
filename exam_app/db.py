"""Database plumbing: the declarative base, UTC datetimes, and one session per request.

Plain SQLAlchemy 2.0 (Flask's "SQLAlchemy pattern" without an import-time engine): the engine
is built from config in ``init_app``, services take a ``Session``, the request boundary commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import DateTime, MetaData, String
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.sql.base import Executable
from sqlalchemy.types import TypeDecorator

from exam_app import optimistic, postgres, sqlite

_T = TypeVar("_T")
E = TypeVar("E", bound=StrEnum)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def in_check(column: str, enum: type[StrEnum]) -> str:
    """SQL for a CHECK constraint that keeps ``column`` to the values of ``enum``."""
    values = ", ".join(f"'{v.value}'" for v in enum)
    return f"{column} IN ({values})"


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


class EnumText(TypeDecorator[E]):
    """A ``StrEnum`` column stored as its plain string value (kept in range by a CHECK
    constraint, ``in_check``); reads give back the enum member, writes take a member or its
    value."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int = 20) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


def _json_dumps(value: Any) -> str:
    # Keep Chinese readable in JSON columns, so substring search (LIKE '%电费%') finds it.
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, echo: bool = False, sqlite_begin: str = "BEGIN IMMEDIATE") -> Engine:
    if url.startswith("sqlite"):
        return sqlite.make_engine(url, echo, sqlite_begin, json_serializer=_json_dumps)
    return postgres.make_engine(url, echo, json_serializer=_json_dumps)


def read_lock_free(session: Session, statement: Executable, params: dict[str, Any]) -> Any:
    """Rows of a SELECT that needs no transaction (who is signed in), on the session's
    connection.

    Run before the request's first other statement, it goes out without a BEGIN: on SQLite
    it then never takes the write lock (``sqlite.py``), so loading the user never makes
    another worker wait; on PostgreSQL it is one round trip instead of two (``postgres.py``).

    It is every request's first statement but the answer save's, so it is also where a
    connection the database closed (a restart) shows first: SQLAlchemy then invalidates the
    pool, and the read runs once more on a new connection. Nothing had been done, so nothing
    is done twice.
    """
    options = {"lock_free": True}
    first = not session.in_transaction()
    try:
        return session.connection().execute(statement, params, execution_options=options).all()
    except DBAPIError as exc:
        if not (first and exc.connection_invalidated):
            raise
        session.close()  # lets go of the dead connection; nothing was loaded yet
        return session.connection().execute(statement, params, execution_options=options).all()


def first_on_connection(conn: Connection, run: Callable[[Connection], _T]) -> _T:
    """``run`` on a Core connection just taken from the pool (the answer save runs on one,
    without the ORM session's bookkeeping); if the connection proves dead (a restart), once
    more on a new one, as ``read_lock_free`` does for every other request. A reply lost after
    PostgreSQL had committed a save is the one case where the work runs again: it then finds
    its revision moved on and writes nothing, and the candidate is shown the stored answer."""
    try:
        return run(conn)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        conn.rollback()  # the Connection takes a new DBAPI connection at its next statement
        return run(conn)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("DATABASE_ECHO", False))
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions["db_engine"] = engine
    app.extensions["db_session"] = scoped_session(factory)
    if engine.dialect.name == "sqlite":  # reads take no write lock (optimistic.py)
        app.wsgi_app = optimistic.OptimisticReads(app.wsgi_app)  # type: ignore[method-assign]

    @app.teardown_appcontext
    def _remove_session(exc: BaseException | None) -> None:
        # Whatever the view did not commit is rolled back: nothing is ever half-saved.
        app.extensions["db_session"].remove()


def get_session() -> Session:
    """The session of the current request (or CLI command)."""
    return current_app.extensions["db_session"]()  # type: ignore[no-any-return]


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]  # type: ignore[no-any-return]
