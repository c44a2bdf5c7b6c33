"""Scheduled work: a registry of jobs, run once across every app server, on a timer in each
process and by hand (``flask --app wsgi jobs run-due`` / ``jobs status``).

**Registering a job.** A domain registers its jobs when its package is imported (core knows no
domain): ``register(Job(name, every, run))``, where ``run(session, now)`` does the work in the
session it is handed (flush, never commit: ``run_due`` commits, or rolls back and records the
error) and returns a line saying what it did. Exams registers the overdue-attempt sweeper in
``exams/jobs.py``; tracking's reminders and status refresh go the same way, in a
``tracking/jobs.py`` imported by ``tracking/__init__.py``.

**Once across servers.** Each job has a row in ``job_runs`` (next due, lease holder and expiry,
last start/end, result or error). ``take_lease`` is one conditional UPDATE (due, and no lease or
an expired one), and only the process whose UPDATE changed the row runs the job; a holder that
crashes leaves a lease that expires after ``Job.lease``, and the next tick anywhere takes it
over. Each job runs in its own transaction, so a failing job records its error and the others
still run.

**The timer.** ``init_app`` starts a ``Scheduler`` (a daemon thread calling ``run_due`` every
``SCHEDULER_INTERVAL_SECONDS``) in each serving process (gunicorn's workers, ``flask run``),
never for other ``flask`` commands, under tests (``TESTING``) or when ``SCHEDULER_ENABLED`` is
false. It stops at exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from exam_app.core.models import JobRun
from exam_app.db import get_engine, utcnow

log = logging.getLogger(__name__)

#: A job's work: done in the session handed to it, at ``now``; returns what it did, in a line.
JobFunction = Callable[[Session, datetime], str]
SessionFactory = Callable[[], Session]


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: JobFunction
    #: How long a run may take before its lease counts as abandoned (its holder crashed).
    lease: timedelta = timedelta(minutes=10)


_REGISTRY: dict[str, Job] = {}


def register(job: Job) -> Job:
    """Add ``job`` (or replace the one of the same name); returns it."""
    _REGISTRY[job.name] = job
    return job


def registered() -> list[Job]:
    return sorted(_REGISTRY.values(), key=lambda j: j.name)


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    text: str


def new_holder() -> str:
    """Who holds a lease: host, process and a random part (threads of one process differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def ensure_row(session: Session, job: Job, now: datetime) -> None:
    """The job's row, due at once when new (INSERT … ON CONFLICT DO NOTHING)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(JobRun).values(name=job.name, next_due_at=now, last_result="", last_error="")
    session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))


def take_lease(session: Session, job: Job, holder: str, now: datetime) -> bool:
    """One atomic statement: the lease is ours if the job is due and nobody holds a live lease.

    Two processes racing here both run the UPDATE; the database orders them, and the second
    finds the condition false (PostgreSQL re-checks the row after the first commits; SQLite
    has one writer at a time), so exactly one sees a changed row."""
    result = session.execute(
        update(JobRun)
        .where(
            JobRun.name == job.name,
            JobRun.next_due_at <= now,
            or_(JobRun.lease_expires_at.is_(None), JobRun.lease_expires_at < now),
        )
        .values(lease_holder=holder, lease_expires_at=now + job.lease, last_started_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def _finish(session: Session, job: Job, holder: str, now: datetime, outcome: Outcome) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.name == job.name, JobRun.lease_holder == holder)
        .values(
            lease_holder=None,
            lease_expires_at=None,
            last_finished_at=max(now, utcnow()),
            last_ok=outcome.ok,
            last_result=outcome.text if outcome.ok else "",
            last_error="" if outcome.ok else outcome.text,
            next_due_at=now + job.every,
        )
        .execution_options(synchronize_session=False)
    )


def run_job(
    session_factory: SessionFactory, job: Job, now: datetime, holder: str
) -> Outcome | None:
    """Run ``job`` if it is due and its lease is free; None when it was not ours to run."""
    with session_factory() as session:
        ensure_row(session, job, now)
        taken = take_lease(session, job, holder, now)
        session.commit()
    if not taken:
        return None
    with session_factory() as session:
        try:
            text = job.run(session, now)
            session.commit()
            outcome = Outcome(job.name, True, text)
        except Exception as error:  # noqa: BLE001 - any failure is recorded, the others still run
            session.rollback()
            log.exception("job %s failed", job.name)
            outcome = Outcome(job.name, False, f"{type(error).__name__}: {error}")
    with session_factory() as session:
        _finish(session, job, holder, now, outcome)
        session.commit()
    return outcome


def run_due(
    session_factory: SessionFactory,
    now: datetime,
    jobs: Iterable[Job] | None = None,
    *,
    holder: str | None = None,
) -> list[Outcome]:
    """Run every due job (the registered ones unless ``jobs`` is given) once, each in its own
    transaction; record each outcome and schedule the next run. Returns what ran."""
    holder = holder or new_holder()
    outcomes = []
    for job in registered() if jobs is None else jobs:
        outcome = run_job(session_factory, job, now, holder)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def status(session: Session) -> list[JobRun]:
    return list(session.scalars(select(JobRun).order_by(JobRun.name)))


class Scheduler:
    """A daemon thread calling ``run_due`` every ``interval`` seconds (first at once), inside
    ``app``'s context when given (jobs' subscribers read its settings)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        interval: float,
        jobs: Iterable[Job] | None = None,
        app: Flask | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.interval = interval
        self.jobs = None if jobs is None else list(jobs)
        self.app = app
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="exam-app-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def tick(self) -> None:
        try:
            if self.app is None:
                run_due(self.session_factory, utcnow(), self.jobs)
            else:
                with self.app.app_context():
                    run_due(self.session_factory, utcnow(), self.jobs)
        except Exception:  # the database away for a moment: try again next tick
            log.exception("scheduled jobs failed")

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)


def scheduler_wanted(app: Flask) -> bool:
    return bool(app.config.get("SCHEDULER_ENABLED")) and not app.testing


def start_scheduler(
    app: Flask, jobs: Iterable[Job] | None = None, interval: float | None = None
) -> Scheduler | None:
    """Start this process's scheduler unless unwanted here or already running."""
    current: Scheduler | None = app.extensions.get("scheduler")
    if not scheduler_wanted(app) or (current is not None and current.running):
        return None
    factory = sessionmaker(bind=app.extensions["db_engine"], expire_on_commit=False)
    seconds = app.config["SCHEDULER_INTERVAL_SECONDS"] if interval is None else interval
    scheduler = Scheduler(factory, seconds, jobs, app)
    app.extensions["scheduler"] = scheduler
    scheduler.start()
    atexit.register(scheduler.stop)
    return scheduler


def init_app(app: Flask) -> None:
    """Start the scheduler in every serving process (gunicorn's workers, ``flask run``), never
    for other ``flask`` commands; a check before each request also starts it in a worker forked
    from a master that had it (``gunicorn --preload``: threads do not survive a fork)."""
    if not scheduler_wanted(app):
        return
    started_in = {"pid": 0}

    def ensure_started() -> None:
        if started_in["pid"] != os.getpid():
            started_in["pid"] = os.getpid()
            start_scheduler(app)

    if _serving():
        ensure_started()
    app.before_request(ensure_started)


def _serving() -> bool:
    """Is this process a server: any WSGI server, or ``flask run`` (not another command)?"""
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        return True
    context = click.get_current_context(silent=True)
    return context is not None and context.command.name == "run"


cli = AppGroup("jobs", help="Scheduled jobs (they run by themselves; these run or show them).")


@cli.command("run-due")
def run_due_command() -> None:
    """Run every job that is due now (and not running elsewhere)."""
    factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    outcomes = run_due(factory, utcnow())
    for outcome in outcomes:
        click.echo(f"{outcome.name}: {'ok' if outcome.ok else 'FAILED'} {outcome.text}")
    if not outcomes:
        click.echo("no job due")


@cli.command("status")
def status_command() -> None:
    """Each job's last run and when it is next due."""
    factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    with factory() as session:
        rows = {row.name: row for row in status(session)}
    for job in registered():
        row = rows.get(job.name)
        if row is None:
            click.echo(f"{job.name}: every {job.every}, never run (due now)")
            continue
        last = row.last_finished_at.isoformat() if row.last_finished_at else "never"
        outcome = (
            ""
            if row.last_ok is None
            else (row.last_result if row.last_ok else "FAILED " + row.last_error)
        )
        running = f", running on {row.lease_holder}" if row.lease_holder else ""
        click.echo(
            f"{job.name}: every {job.every}, last {last} {outcome}".rstrip()
            + f", next due {row.next_due_at.isoformat()}{running}"
        )
