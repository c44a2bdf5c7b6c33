"""Scheduled jobs: the lease makes a run happen once, an abandoned lease is taken over, a
failure is recorded without stopping the others, the sweeper runs from ``flask jobs run-due``,
and the scheduler thread runs only where it should."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from exam_app.accounts.models import Role
from exam_app.core import jobs
from exam_app.core.models import JobRun
from exam_app.db import make_engine, utcnow
from exam_app.exams.models import Attempt, AttemptStatus
from tests import factories

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=utcnow().tzinfo)


@pytest.fixture
def engine(app: Flask) -> Iterator[Engine]:
    engine = make_engine(app.config["DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def counting_job(name: str = "test.count", pause: float = 0.0) -> tuple[jobs.Job, list[datetime]]:
    runs: list[datetime] = []

    def run(session: Session, now: datetime) -> str:
        runs.append(now)
        time.sleep(pause)
        return f"run {len(runs)}"

    return jobs.Job(name, timedelta(minutes=1), run), runs


def row(factory: sessionmaker[Session], name: str) -> JobRun:
    with factory() as session:
        found = session.get(JobRun, name)
        assert found is not None
        return found


def test_a_due_job_runs_once_and_is_scheduled_again(factory: sessionmaker[Session]) -> None:
    job, runs = counting_job()
    [outcome] = jobs.run_due(factory, NOW, [job])
    assert outcome == jobs.Outcome("test.count", True, "run 1")
    assert jobs.run_due(factory, NOW + timedelta(seconds=30), [job]) == []  # not due yet
    stored = row(factory, job.name)
    assert stored.next_due_at == NOW + timedelta(minutes=1)
    assert stored.last_started_at == NOW and stored.last_ok and stored.last_result == "run 1"
    assert stored.lease_holder is None and stored.lease_expires_at is None
    assert jobs.run_due(factory, NOW + timedelta(minutes=1), [job])[0].text == "run 2"
    assert runs == [NOW, NOW + timedelta(minutes=1)]


def test_two_racing_processes_run_a_job_once(app: Flask, factory: sessionmaker[Session]) -> None:
    """Two threads, each with its own engine (its own connections, as two servers have), tick
    at the same moment: exactly one runs the job; the other finds the lease taken."""
    job, runs = counting_job(pause=0.3)
    engines = [make_engine(app.config["DATABASE_URL"]) for _ in range(2)]
    gate = threading.Barrier(2)
    results: list[list[jobs.Outcome]] = []

    def tick(engine: Engine, holder: str) -> None:
        gate.wait()
        own = sessionmaker(bind=engine, expire_on_commit=False)
        results.append(jobs.run_due(own, NOW, [job], holder=holder))

    threads = [
        threading.Thread(target=tick, args=(e, f"server-{n}")) for n, e in enumerate(engines)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for engine in engines:
        engine.dispose()
    assert len(runs) == 1
    assert sorted(len(r) for r in results) == [0, 1]
    assert row(factory, job.name).lease_holder is None


def test_a_held_lease_keeps_others_out_until_it_expires(factory: sessionmaker[Session]) -> None:
    job, runs = counting_job()
    with factory() as session:  # a server took the lease and crashed mid-run
        jobs.ensure_row(session, job, NOW)
        assert jobs.take_lease(session, job, "crashed", NOW)
        assert not jobs.take_lease(session, job, "other", NOW)  # one statement says no
        session.commit()
    assert jobs.run_due(factory, NOW + timedelta(minutes=5), [job]) == []
    assert row(factory, job.name).lease_holder == "crashed"
    late = NOW + job.lease + timedelta(seconds=1)
    [outcome] = jobs.run_due(factory, late, [job], holder="rescuer")
    assert outcome.ok and runs == [late]
    stored = row(factory, job.name)
    assert stored.lease_holder is None and stored.next_due_at == late + job.every


def test_a_failing_job_records_its_error_and_the_others_run(
    factory: sessionmaker[Session],
) -> None:
    def broken(session: Session, now: datetime) -> str:
        session.add(JobRun(name="half-written", next_due_at=now, last_result="", last_error=""))
        session.flush()
        raise RuntimeError("mail server away")

    failing = jobs.Job("test.broken", timedelta(minutes=5), broken)
    job, runs = counting_job()
    outcomes = jobs.run_due(factory, NOW, [failing, job])
    assert outcomes == [
        jobs.Outcome("test.broken", False, "RuntimeError: mail server away"),
        jobs.Outcome("test.count", True, "run 1"),
    ]
    stored = row(factory, failing.name)
    assert stored.last_ok is False and stored.last_error == "RuntimeError: mail server away"
    assert stored.lease_holder is None and stored.next_due_at == NOW + timedelta(minutes=5)
    with factory() as session:  # its transaction was rolled back
        assert session.get(JobRun, "half-written") is None


def test_run_due_from_the_cli_runs_the_sweeper(app: Flask, db_session: Session, runner) -> None:  # type: ignore[no-untyped-def]
    assert "exams.sweep_overdue" in {j.name for j in jobs.registered()}
    factories.load_bank(db_session)
    exam = factories.make_exam(db_session)
    user = factories.make_user(app, Role.OPERATOR, employee_no="U0001")
    attempt = factories.make_attempt(db_session, exam, user.id, state="overdue", answers="key")
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "exams.sweep_overdue: ok graded 1 overdue attempt(s)" in result.output
    db_session.expire_all()
    graded = db_session.scalar(select(Attempt).where(Attempt.id == attempt.id))
    assert graded is not None and graded.status == AttemptStatus.SUBMITTED
    assert graded.auto_submitted
    again = runner.invoke(args=["jobs", "run-due"])
    assert "exams.sweep_overdue" not in again.output  # due again in a minute
    status = runner.invoke(args=["jobs", "status"])
    assert status.exit_code == 0
    assert "exams.sweep_overdue: every 0:01:00, last" in status.output
    assert "graded 1 overdue attempt(s), next due" in status.output


def test_no_scheduler_under_tests(app: Flask) -> None:
    assert app.testing and app.config["SCHEDULER_ENABLED"]  # enabled, but TESTING wins
    assert not jobs.scheduler_wanted(app)
    assert jobs.start_scheduler(app) is None
    assert "scheduler" not in app.extensions
    # nor did any app built so far by the test run (production-like ones switch it off)
    assert "exam-app-scheduler" not in {t.name for t in threading.enumerate()}


def test_the_scheduler_runs_jobs_when_enabled_and_stops(
    app: Flask, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = threading.Event()
    every_tick: list[datetime] = []

    def fixed(session: Session, now: datetime) -> str:
        every_tick.append(now)
        ran.set()
        return "ticked"

    job = jobs.Job("test.fixed", timedelta(0), fixed)  # due again at every tick
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "SCHEDULER_ENABLED", False)
    assert jobs.start_scheduler(app, [job], interval=0.05) is None  # switched off
    monkeypatch.setitem(app.config, "SCHEDULER_ENABLED", True)
    scheduler = jobs.start_scheduler(app, [job], interval=0.05)
    try:
        assert scheduler is not None and scheduler.running
        assert jobs.start_scheduler(app, [job]) is None  # one per process
        assert ran.wait(10)
        deadline = time.monotonic() + 10
        while len(every_tick) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(every_tick) >= 2
    finally:
        assert scheduler is not None
        scheduler.stop()
        app.extensions.pop("scheduler", None)
    assert not scheduler.running
    assert row(factory, "test.fixed").last_result == "ticked"
