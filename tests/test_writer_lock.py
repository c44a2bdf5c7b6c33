"""SQLite's writer queue: a file lock held exactly while a write transaction is open.

These tests build their own SQLite engines (the lock exists only for files on disk), so they
run the same whatever database the rest of the suite uses.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from exam_app.db import make_engine, read_lock_free
from exam_app.sqlite import WriterLock


def _locked_by_someone(path: Path) -> bool:
    """Whether another open file holds the writer lock (tried without waiting)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the lock if we took it
    return False


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "lock.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    engine.dispose()
    return path


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_the_lock_is_held_from_begin_until_the_transaction_ends(database: Path, end: str) -> None:
    engine = make_engine(f"sqlite:///{database}")
    lock_file = Path(f"{database}-writer")
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert _locked_by_someone(lock_file)
        getattr(conn, end)()
        assert not _locked_by_someone(lock_file)
    engine.dispose()


def test_a_lock_free_read_runs_before_the_transaction_takes_the_lock(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}")
    lock_file = Path(f"{database}-writer")
    with Session(engine) as session:
        assert read_lock_free(session, text("SELECT count(*) FROM t"), {}) == [(0,)]
        assert not _locked_by_someone(lock_file), "reading who is signed in takes no lock"
        session.execute(text("SELECT count(*) FROM t"))  # any other statement begins IMMEDIATE
        assert _locked_by_someone(lock_file)
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
        assert not _locked_by_someone(lock_file)
        read_lock_free(session, text("SELECT count(*) FROM t"), {})
        session.commit()  # a transaction that never needed its BEGIN ends cleanly
        session.execute(text("INSERT INTO t VALUES (2)"))
        assert _locked_by_someone(lock_file), "the next transaction begins as usual"
        session.rollback()
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT n FROM t")).scalars()) == [1]
    engine.dispose()


class _Pooled:
    """Stands in for a pooled connection: the lock keeps its file handle in ``info``."""

    def __init__(self) -> None:
        self.info: dict[str, object] = {}


def test_a_second_connection_of_the_same_thread_does_not_wait_for_itself(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "x-writer"))
    first, second = _Pooled(), _Pooled()
    lock.acquire(first)
    lock.acquire(second)  # would block forever if it queued behind `first`
    assert "writer_locked" not in second.info
    lock.release(second)  # releasing what it never took changes nothing
    assert _locked_by_someone(tmp_path / "x-writer")
    lock.release(first)
    assert not _locked_by_someone(tmp_path / "x-writer")


def _write_one(url: str, started: multiprocessing.synchronize.Event) -> None:
    engine = make_engine(url)
    started.set()
    with engine.begin() as conn:  # queues behind the parent's transaction
        conn.execute(text("INSERT INTO t VALUES (2)"))


def test_another_process_waits_for_the_writer_and_goes_on_when_it_commits(
    database: Path,
) -> None:
    url = f"sqlite:///{database}"
    engine = make_engine(url)
    context = multiprocessing.get_context("spawn")  # a forked child would inherit SQLite state
    started = context.Event()
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        child = context.Process(target=_write_one, args=(url, started))
        child.start()
        assert started.wait(10)
        time.sleep(0.3)
        assert child.is_alive(), "the other writer must wait while this transaction is open"
        conn.commit()
    child.join(10)
    assert child.exitcode == 0
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2]
    engine.dispose()
