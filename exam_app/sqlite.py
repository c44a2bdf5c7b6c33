"""SQLite under several app processes: per-connection pragmas, a lazy ``BEGIN IMMEDIATE``, and
the ``WriterLock`` queue that hands the single write lock from one process to the next.

PostgreSQL needs none of this: it locks rows, not the file.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url

from exam_app import lazy_begin, optimistic


def make_engine(url: str, echo: bool, begin: str, json_serializer: Callable[[Any], str]) -> Engine:
    """An engine whose transactions begin with ``begin`` (IMMEDIATE for the app; the tests'
    own sessions read with a deferred BEGIN)."""
    engine = create_engine(
        url, echo=echo, connect_args={"timeout": 30}, json_serializer=json_serializer
    )
    on_disk = ":memory:" not in url and url not in ("sqlite://", "sqlite:///")
    writer_lock = None  # only writers queue: a deferred BEGIN (the tests' own sessions) reads
    if on_disk and begin.upper().endswith("IMMEDIATE"):
        writer_lock = WriterLock(f"{make_url(url).database}-writer")
        _release_after_transactions(engine, writer_lock)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN; take control
        # (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")  # SQLite ignores FKs unless asked, per connection
        if on_disk:
            cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cur.execute("PRAGMA synchronous=NORMAL")  # durable across app crashes in WAL mode
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    # BEGIN is sent lazily, just before the first statement that needs it, so the statements a
    # request runs first without needing a transaction (who is signed in: ``read_lock_free``)
    # run in autocommit and never hold the write lock. IMMEDIATE takes the write lock at the
    # start; within a request, a transaction that reads first begins DEFERRED and takes the
    # lock at its first write, the request running again if SQLite refuses that
    # (``optimistic.py``).
    def _begin(conn: Connection, cursor: Any, statement: str) -> None:
        if optimistic.may_read_first() and optimistic.reads(statement):
            cursor.execute("BEGIN DEFERRED")
            conn.info["reading"] = True
            return
        _take_writer_lock(conn)
        cursor.execute(begin)

    def _take_writer_lock(conn: Connection) -> None:
        optimistic.began_writing()
        if writer_lock is not None:
            writer_lock.acquire(conn.connection)

    lazy_begin.install(engine, ("lock_free",), _begin)

    @event.listens_for(engine, "before_cursor_execute")
    def _first_write(
        conn: Connection, _cursor: Any, sql: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        # after lazy_begin's listener (registered first), so a DEFERRED BEGIN went out already
        if conn.info.get("reading") and not optimistic.reads(sql):
            conn.info["reading"] = False
            conn.info["upgrading"] = True  # until the transaction ends
            _take_writer_lock(conn)  # queue here, then SQLite upgrades (or refuses) the snapshot

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn: Connection) -> None:
        if not conn.invalidated:
            conn.info.pop("reading", None)
            conn.info.pop("upgrading", None)

    @event.listens_for(engine, "handle_error")
    def _refused(context: Any) -> None:
        # only a transaction that read first can be refused for it, and nothing of its request
        # was committed before (``optimistic.began_writing``)
        conn = context.connection
        if conn is not None and not conn.invalidated and conn.info.get("upgrading"):
            optimistic.refused(context.original_exception)

    return engine


class WriterLock:
    """Hands SQLite's single write lock from one process to the next without sleeping.

    Several app processes (gunicorn workers) share one SQLite file. When one holds the write
    lock, SQLite makes the others poll it, sleeping 1, 2, 5, 10 … ms between tries: under load
    a worker spends more time asleep than a save takes. Queuing on an advisory ``flock`` of a
    file beside the database first means a waiting process wakes the moment the holder
    commits. SQLite's own lock still guards the data: anything that skips this queue (the
    ``sqlite3`` shell, a deferred transaction) just meets the busy timeout as before.
    """

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)

    def acquire(self, pooled: Any) -> None:
        """Queue for the lock, unless this thread already holds it through another connection
        (it would wait for itself): then SQLite's busy timeout decides, as without this class."""
        held = _held_paths()
        if self.path in held:
            return
        fd = pooled.info.get("writer_fd")
        if fd is None:
            fd = pooled.info["writer_fd"] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        pooled.info["writer_locked"] = True
        held.add(self.path)

    def release(self, pooled: Any) -> None:
        try:
            info = pooled.info
        except NotImplementedError:  # a bare connection SQLAlchemy wraps while it connects
            return
        if info.pop("writer_locked", False):
            fcntl.flock(info["writer_fd"], fcntl.LOCK_UN)
            _held_paths().discard(self.path)


_THREAD = threading.local()
# A forked child holds no lock its parent held (flock belongs to the parent's open file).
os.register_at_fork(after_in_child=lambda: _THREAD.__dict__.pop("held", None))


def _held_paths() -> set[str]:
    """Writer-lock files this thread holds (any engine, any connection)."""
    if not hasattr(_THREAD, "held"):
        _THREAD.held = set()
    return _THREAD.held  # type: ignore[no-any-return]


def _release_after_transactions(engine: Engine, lock: WriterLock) -> None:
    """Release the writer lock after COMMIT or ROLLBACK has run, not before: the engine's
    ``commit`` event fires before the database commits, and a process woken then would find
    SQLite still locked and fall back to sleeping."""
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(pooled: Any) -> None:
        try:
            commit(pooled)
        finally:
            lock.release(pooled)

    def do_rollback(pooled: Any) -> None:
        try:
            rollback(pooled)
        finally:
            lock.release(pooled)

    # Instance attributes shadow the dialect's methods for this engine only.
    setattr(dialect, "do_commit", do_commit)  # noqa: B010
    setattr(dialect, "do_rollback", do_rollback)  # noqa: B010

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_conn: Any, record: Any) -> None:
        fd = record.info.pop("writer_fd", None)
        if fd is not None:
            os.close(fd)  # closing also drops a lock still held
