"""SQLite reads without the write lock: a request reads first and queues for the lock only at
its first write, and is run again from the start if somebody wrote in between.

SQLite has one write lock for the whole file. Beginning every transaction IMMEDIATE (taking
that lock at BEGIN) makes each check-then-write safe, but it also makes every page that only
reads wait for it, and holds it through whatever the request does before it writes: a sign-in
held it through its 25 ms password hash, and pages that never write queued behind each other's
rendering. Measured in the load bench's login storm: the two workers used 1.1 of 2 cores,
asleep on the lock for the rest.

So within a request (``OptimisticReads``, the WSGI wrapper), a transaction whose first
statement reads begins DEFERRED: a snapshot, no lock. Its first write queues for the lock
(``sqlite.WriterLock``) and asks SQLite to upgrade. SQLite upgrades only if nothing was
committed since the snapshot was taken, so what the request read still holds when it writes
(serializable, the same guarantee as IMMEDIATE); otherwise it refuses with SQLITE_BUSY_SNAPSHOT,
nothing of the request has been written, and the wrapper runs the request again with every
transaction IMMEDIATE, which cannot be refused so. A request whose first statement writes (an
answer save) begins IMMEDIATE as before. Once a request has begun a write, its later
transactions begin IMMEDIATE too: a run again after a commit would do that commit twice.

A request is only run again if its body can be: the wrapper keeps bodies up to
``REPLAYABLE_BYTES`` (every form and JSON call); an upload larger than that begins IMMEDIATE.
Nothing outside the database happens in a request before its first write (e-mail goes out only
from the scheduled reminder job, which runs outside any request), so the first run leaves
nothing behind.

Outside a request (jobs, the command line, tests' own sessions) nothing changes.
PostgreSQL needs none of this: it locks rows, and reads never wait for writers.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

#: request bodies kept so the request can run again (forms, JSON; uploads are larger)
REPLAYABLE_BYTES = 256 * 1024

#: SQLite's busy family of result codes: SQLITE_BUSY_SNAPSHOT (517, "somebody wrote since your
#: snapshot") and a lock that did not come in time
BUSY = 5


@dataclass
class _Run:
    optimistic: bool  # may begin DEFERRED now
    stale: bool = False  # a write was refused: run the request again


_RUN: ContextVar[_Run | None] = ContextVar("optimistic_run", default=None)


def may_read_first() -> bool:
    """May the transaction about to begin read without the write lock?"""
    run = _RUN.get()
    return run is not None and run.optimistic


def began_writing() -> None:
    """The request has begun a write: its later transactions begin IMMEDIATE."""
    run = _RUN.get()
    if run is not None:
        run.optimistic = False


def refused(error: BaseException) -> bool:
    """``error`` met the first write of a transaction that read first: if SQLite refused it as
    busy, the request will run again (True)."""
    run = _RUN.get()
    code = getattr(error, "sqlite_errorcode", None)
    if run is None or code is None or code & 0xFF != BUSY:
        return False
    run.stale = True
    return True


def refused_in_this_request() -> bool:
    run = _RUN.get()
    return run is not None and run.stale


def reads(statement: str) -> bool:
    """Does this statement only read? (Anything else counts as a write, SAVEPOINT included.)"""
    head = statement.lstrip()[:7].upper()
    return head.startswith("SELECT") or head.startswith("PRAGMA")


class OptimisticReads:
    """The WSGI wrapper: runs a request with read-first transactions and, if one of its writes
    was refused, once more with IMMEDIATE ones."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = _replayable_body(environ)
        if body is None:  # too large (or of no stated length) to keep: IMMEDIATE throughout
            return self._run(environ, start_response, _Run(optimistic=False))
        first = _Run(optimistic=True)
        held: list[Any] = []
        result = self._run(
            dict(environ, **{"wsgi.input": io.BytesIO(body)}),
            lambda *args: held.append(args),
            first,
        )
        if not first.stale:
            start_response(*held[0])
            return result
        if hasattr(result, "close"):
            result.close()
        again = dict(environ, **{"wsgi.input": io.BytesIO(body)})
        return self._run(again, start_response, _Run(optimistic=False))

    def _run(self, environ: dict[str, Any], start_response: Any, run: _Run) -> Iterable[bytes]:
        token = _RUN.set(run)
        try:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        finally:
            _RUN.reset(token)  # a streamed body's later reads begin IMMEDIATE


def _replayable_body(environ: dict[str, Any]) -> bytes | None:
    """The request body, read whole, if it is small enough to keep; b"" for none."""
    length = environ.get("CONTENT_LENGTH") or ""
    if not length:
        chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
        return None if chunked else b""
    try:
        size = int(length)
    except ValueError:
        return None  # werkzeug answers it with 400
    if size > REPLAYABLE_BYTES:
        return None
    return environ["wsgi.input"].read(size)  # type: ignore[no-any-return]
