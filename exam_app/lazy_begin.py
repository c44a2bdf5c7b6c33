"""A lazy BEGIN, for both databases: the driver runs in autocommit, and BEGIN goes out just
before the first statement of a transaction that needs one. Statements marked with one of the
``standing_alone`` execution options run before it, outside any transaction (who is signed
in; on PostgreSQL the one-statement save). COMMIT and ROLLBACK end what was begun, and a
transaction that never needed its BEGIN ends with nothing sent.

Why each database wants it is in ``sqlite.py`` (the write lock stays free) and ``postgres.py``
(round trips).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


def install(
    engine: Engine,
    standing_alone: tuple[str, ...],
    begin: Callable[[Connection, Any, str], None],
) -> None:
    """``begin(connection, cursor, statement)`` sends the BEGIN (and whatever must come with
    it) for the transaction whose first statement is ``statement``."""

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.info["begin_pending"] = True

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(
        conn: Connection, cursor: Any, sql: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if not conn.info.get("begin_pending"):
            return
        if context is not None and any(context.execution_options.get(o) for o in standing_alone):
            return
        conn.info["begin_pending"] = False
        begin(conn, cursor, sql)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Connection) -> None:
        if not conn.invalidated:  # (an invalidated connection's info goes with it)
            conn.info.pop("begin_pending", None)  # a transaction that never needed its BEGIN
