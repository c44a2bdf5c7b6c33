"""Fixed statements sent straight to the driver's cursor, for the request every candidate sends
every few seconds (the answer save, ``exams/fast_save.py``).

SQLAlchemy's work per execution (an execution context, each bound value processed through the
type's chain, a result object) was 250 µs of the 330 µs a SQLite save spent in its two
statements; sqlite3 itself took 80 (``bench/save_profile.py``). A ``DirectStatement`` is
compiled by SQLAlchemy once per dialect, so the SQL text and the bind processors are SQLAlchemy's
own (a datetime or JSON value is stored exactly as through ``Connection.execute``); each run
only converts the values and calls the cursor. What must happen around a statement still does:

- the engine's ``before_cursor_execute`` listeners run, with the statement's execution options
  (the lazy BEGIN and SQLite's writer lock, ``lazy_begin.py``; the tests' statement records);
  what they return is not used, since none of them rewrites a statement;
- a driver error comes back as SQLAlchemy's exception, and a lost connection invalidates the
  pool as SQLAlchemy would, so ``db.first_on_connection`` runs the save again on a new one and
  no other request later meets a connection the same restart closed.

Rows come back as the driver returns them: the statements here return plain integers.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import TextClause


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # names in order, for a positional paramstyle (SQLite)
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]


@dataclass(frozen=True, slots=True)
class _ListenerContext:
    """What the listeners read of SQLAlchemy's execution context: the execution options."""

    execution_options: Mapping[str, Any]


@dataclass
class DirectStatement:
    clause: TextClause
    execution_options: Mapping[str, Any] = field(default_factory=dict)
    _by_dialect: weakref.WeakKeyDictionary[Dialect, _Compiled] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    def first_row(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run the statement in ``conn``'s transaction (begun here if need be, as
        ``Connection.execute`` would); its first row, or None."""
        compiled = self._compiled(conn.dialect)
        values = dict(params)
        for name, process in compiled.processors:
            values[name] = process(values[name])
        bound: Any = (
            values if compiled.positions is None else [values[n] for n in compiled.positions]
        )
        if not conn.in_transaction():
            conn.begin()  # what the Connection's autobegin does: COMMIT then ends it
        pooled = conn.connection
        cursor = pooled.cursor()
        try:
            context = _ListenerContext(self.execution_options)
            conn.dispatch.before_cursor_execute(conn, cursor, compiled.sql, bound, context, False)
            cursor.execute(compiled.sql, bound)
            rows = cursor.fetchall() if cursor.description else []
        except conn.dialect.loaded_dbapi.Error as exc:
            lost = conn.dialect.is_disconnect(exc, pooled.dbapi_connection, cursor)
            if lost:
                # what Connection.execute does on a disconnect: the whole pool is stale (a
                # restart closed every connection), so each pooled one is replaced at checkout
                conn.engine.pool._invalidate(pooled, exc)
                conn.invalidate(exc)
            raise DBAPIError.instance(
                compiled.sql,
                bound,
                exc,
                conn.dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=conn.dialect,
            ) from exc
        finally:
            cursor.close()
        return tuple(rows[0]) if rows else None

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect)
        if compiled is None:
            sql = self.clause.compile(dialect=dialect)
            processors = []
            for name, bind in sql.binds.items():  # type: ignore[attr-defined]
                process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    processors.append((name, process))
            positions = sql.positiontup if dialect.positional else None  # type: ignore[attr-defined]
            compiled = _Compiled(
                sql.string, None if positions is None else tuple(positions), tuple(processors)
            )
            self._by_dialect[dialect] = compiled
        return compiled
