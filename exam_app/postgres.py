"""PostgreSQL: a lazy BEGIN, so a request pays round trips only for the statements it needs,
and a pool that survives a database restart without a ping on every checkout.

An answer save is one data-modifying statement (``exams.fast_save``) that also checks who is
signed in (``accounts.claims``); other requests read the user first (``db.read_lock_free``).
Each such statement is atomic on its own, so none needs a transaction around it; psycopg's
own transaction handling would still send BEGIN before the first and COMMIT after the last,
and the pool's pre-ping a SELECT 1 before each checkout: four round trips where one does.
Here the driver runs in autocommit and BEGIN is sent just before the first statement that is not
marked as standing alone (the execution options ``lock_free`` and ``standalone``); ``commit()``
and ``rollback()`` still end what was begun (psycopg sends COMMIT or ROLLBACK whenever the
server is inside a transaction), and a request that began nothing sends neither. SQLite's lazy
BEGIN IMMEDIATE (``sqlite.py``), where it keeps the write lock free, is the same mechanism:
``lazy_begin.py``.

No pre-ping: after a restart every pooled connection is dead. The first statement of a
request that meets one fails as a disconnect, SQLAlchemy then invalidates the whole pool, and
``db.read_lock_free`` (every other request's first statement) or the answer save
(``db.first_on_connection``) runs once more on a new connection; nothing had been done yet,
so retrying is safe.

psycopg prepares a statement on the server once it has run five times on a connection
(``prepare_threshold``), so the save's statement runs prepared after the first few saves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

from exam_app import lazy_begin

#: execution options of statements that may run outside a transaction (see the module doc)
STANDING_ALONE = ("lock_free", "standalone")


def make_engine(url: str, echo: bool, json_serializer: Callable[[Any], str]) -> Engine:
    engine = create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_use_lifo=True,  # the connection used last: its prepared statements are warm
        json_serializer=json_serializer,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.autocommit = True  # BEGIN is ours to send (below)

    def _begin(conn: Connection, _cursor: Any, _statement: str) -> None:
        # on the driver's connection, not this cursor: a server-side cursor would DECLARE it
        conn.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]

    lazy_begin.install(engine, STANDING_ALONE, _begin)
    return engine
