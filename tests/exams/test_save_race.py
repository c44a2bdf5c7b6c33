"""Saves racing the grade, against a live gunicorn (4 workers, like production) on the test
database: a save is either refused or counted in the grade, never acknowledged and then lost.

Eight threads save answers (one ``requests`` session each, sharing the candidate's cookie)
while the attempt is graded by a second tab's submit or by the sweeper; and four saves
straddle the deadline, the late ones grading the attempt while the early ones are between
their check and their write. Every save goes to a question nobody has answered yet and
carries the key, so the graded paper tells exactly which saves the grader saw: a question
earns its points only if its save was graded. Then:

* every save answered 200 is stored with its receipt's revision and earned its points;
* every save answered 423 left nothing behind;
* every save sent after the grade was committed got 423, and nothing else came back.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.db import utcnow
from exam_app.exams import attempts, timing
from exam_app.exams.models import Answer, Attempt, AttemptItem, AttemptStatus, Exam, ExamMode
from tests import factories
from tests.web import csrf_from

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
SAVERS = 8
#: Questions on the paper: every save takes a fresh one, so there must be enough to go round.
PAPER = (396, 2, 2)
#: Refusals each saver collects before it stops (the first may still race the grade).
REFUSALS = 3
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# --- the server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``gunicorn wsgi:app`` with four sync workers on the test database (migrated by ``app``)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        # Development settings: production's cookies are Secure and would not go over http.
        "EXAM_APP_ENV": "development",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "PYTHONPATH": str(ROOT),  # this checkout's code, whatever is installed
        # The races below are driven by the test; no timer grading attempts beside them.
        "SCHEDULER_ENABLED": "false",
    }
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--timeout",
        "60",
        "--error-logfile",
        str(log),
        "wsgi:app",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_served(process, base, log)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_served(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    """Until every worker has booted and answers (each imports the app after the fork)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        if log.read_text().count("Booting worker") >= WORKERS:
            try:
                if requests.get(f"{base}/ping", timeout=2).status_code == 200:
                    return
            except requests.RequestException:  # still booting
                pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn not serving in 60 s:\n{log.read_text()[-3000:]}")


# --- a candidate over HTTP -------------------------------------------------------------------


@dataclass
class Candidate:
    http: requests.Session
    attempt_id: int
    token: str  #: the attempt page's CSRF token (header for saves, field for the submit)


def _sign_in_and_start(base: str, user: User, exam: Exam) -> Candidate:
    http = requests.Session()
    page = http.get(f"{base}/accounts/login", timeout=10)
    form = {
        "employee_no": user.employee_no,
        "password": factories.PASSWORD,
        "csrf_token": csrf_from(page.text),
    }
    signed_in = http.post(f"{base}/accounts/login", data=form, allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302, signed_in.text
    token = csrf_from(http.get(f"{base}/exams/", timeout=10).text)
    started = http.post(
        f"{base}/exams/{exam.id}/start",
        data={"csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    match = re.search(r"/exams/attempts/(\d+)$", started.headers.get("Location", ""))
    assert started.status_code == 302 and match, started.text
    attempt_id = int(match.group(1))
    page = http.get(f"{base}/exams/attempts/{attempt_id}", timeout=10)
    meta = _META_CSRF.search(page.text)
    assert page.status_code == 200 and meta, page.text
    return Candidate(http, attempt_id, meta.group(1))


# --- the race ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Save:
    position: int
    status: int
    revision: int | None
    sent: float  #: time.monotonic() when the request went out
    answered: float  #: … and when its answer came back


@dataclass
class Race:
    saves: list[Save]
    graded_from: float  #: when the grading request began (monotonic)
    graded_by: float  #: when it was answered: the grade is committed


def _tab(candidate: Candidate) -> requests.Session:
    """Another tab of the candidate's browser: the same cookie."""
    http = requests.Session()
    http.cookies.update(candidate.http.cookies)
    return http


def _save(
    http: requests.Session, base: str, candidate: Candidate, position: int, chosen: list[int]
) -> Save:
    """One answer, as the page sends it (a question not answered before: base revision 0)."""
    sent = time.monotonic()
    response = http.post(
        f"{base}/exams/attempts/{candidate.attempt_id}/answer",
        json={"position": position, "chosen": chosen, "base_revision": 0},
        headers={"X-CSRFToken": candidate.token},
        timeout=30,
    )
    answered = time.monotonic()
    revision = response.json().get("revision") if response.ok else None
    return Save(position, response.status_code, revision, sent, answered)


def _race(
    base: str,
    candidate: Candidate,
    keys: dict[int, list[int]],
    grade: Callable[[], None],
    grade_after: int,
) -> Race:
    """``SAVERS`` threads save the key to fresh questions until each has been refused
    ``REFUSALS`` times; ``grade`` runs (in this thread) once ``grade_after`` saves were
    acknowledged."""
    positions = iter(sorted(keys))
    take = threading.Lock()
    saves: list[Save] = []
    acknowledged = threading.Semaphore(0)
    start = threading.Barrier(SAVERS + 1)
    errors: list[BaseException] = []

    def saver() -> None:
        http = _tab(candidate)
        refused = 0
        try:
            start.wait()
            while refused < REFUSALS:
                with take:
                    position = next(positions, None)
                if position is None:
                    return
                save = _save(http, base, candidate, position, keys[position])
                saves.append(save)
                if save.status == 200:
                    acknowledged.release()
                elif save.status == 423:
                    refused += 1
                else:
                    return  # anything else is a failure the checks report
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=saver, daemon=True) for _ in range(SAVERS)]
    for thread in threads:
        thread.start()
    start.wait()
    for _ in range(grade_after):
        assert acknowledged.acquire(timeout=20), "the savers did not get going"
    graded_from = time.monotonic()
    grade()
    graded_by = time.monotonic()
    for thread in threads:
        thread.join(timeout=40)
        assert not thread.is_alive(), "a saver hung"
    assert not errors, errors
    return Race(saves, graded_from, graded_by)


def _check(session: Session, attempt_id: int, race: Race, keys: dict[int, list[int]]) -> None:
    """The invariant: every acknowledged save is in the grade, every refused one left nothing."""
    session.rollback()  # read what the race left, not an older snapshot
    session.expire_all()
    attempt = session.get(Attempt, attempt_id)
    assert attempt is not None and attempt.status == AttemptStatus.SUBMITTED
    stored = {
        a.position: a
        for a in session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
    }
    items = {
        i.position: i
        for i in session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
    }

    def ms(t: float) -> int:
        return round(1000 * (t - race.graded_from))

    odd = [s for s in race.saves if s.status not in (200, 423)]
    assert not odd, f"saves answered neither 200 nor 423: {odd}"
    acked = [s for s in race.saves if s.status == 200]
    refused = [s for s in race.saves if s.status == 423]
    lost = [
        (s.position, f"acknowledged {ms(s.answered)} ms after the grade began")
        for s in acked
        if s.position not in stored or stored[s.position].revision != s.revision
    ]
    assert not lost, f"acknowledged saves not stored as acknowledged: {lost}"
    ungraded = [
        (s.position, f"acknowledged {ms(s.answered)} ms after the grade began")
        for s in acked
        if not items[s.position].earned
    ]
    assert not ungraded, (
        f"{len(ungraded)} of {len(acked)} acknowledged saves are stored but not graded: {ungraded}"
    )
    assert attempt.earned == sum(items[s.position].points for s in acked), "graded other answers"
    kept = [s.position for s in refused if s.position in stored]
    assert not kept, f"refused saves that were stored anyway: {kept}"
    late = [s for s in race.saves if s.sent > race.graded_by and s.status != 423]
    assert not late, f"saves sent after the grade was committed and not refused: {late}"
    after = [s for s in acked if s.answered > race.graded_from]
    print(  # shown with -rA: how the race went
        f"{len(acked)} saves acknowledged ({len(after)} answered after the grade began, the"
        f" last {max((ms(s.answered) for s in acked), default=0)} ms after), {len(refused)}"
        f" refused; grade committed {ms(race.graded_by)} ms after it began"
    )
    assert acked, "no save was acknowledged: the race never ran"
    assert any(s.sent > race.graded_by for s in refused), "no save came after the grade"
    assert len(race.saves) < len(keys), "the paper ran out of questions: make PAPER larger"


# --- the graders ---------------------------------------------------------------------------


@pytest.fixture
def sitting(
    app: Flask, db_session: Session, make_user: Callable[..., User], server: str
) -> tuple[Candidate, dict[int, list[int]]]:
    """An operator signed in on the live server, in a certification attempt with a big paper;
    where each question's key stands on their page."""
    factories.import_text(db_session, factories.bank_text(*PAPER), publish=True)
    exam = factories.make_exam(db_session, ExamMode.CERTIFICATION, PAPER, duration_minutes=120)
    candidate = _sign_in_and_start(server, make_user(Role.OPERATOR), exam)
    attempt = db_session.get(Attempt, candidate.attempt_id)
    assert attempt is not None and len(attempt.items) == sum(PAPER)
    keys = factories.key_positions(db_session, attempt)
    db_session.commit()  # no snapshot held open (SQLite's would hide the race's writes)
    return candidate, keys


def test_saves_racing_a_submit_are_refused_or_graded(
    server: str, sitting: tuple[Candidate, dict[int, list[int]]], db_session: Session
) -> None:
    candidate, keys = sitting
    submitter = _tab(candidate)

    def submit() -> None:
        response = submitter.post(
            f"{server}/exams/attempts/{candidate.attempt_id}/submit",
            data={"csrf_token": candidate.token},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text

    race = _race(server, candidate, keys, submit, grade_after=3 * SAVERS)
    _check(db_session, candidate.attempt_id, race, keys)


def test_saves_racing_the_sweeper_are_refused_or_graded(
    app: Flask, server: str, sitting: tuple[Candidate, dict[int, list[int]]], db_session: Session
) -> None:
    """The sweeper's clock says the attempt is overdue; the saves' clock says it is not."""
    candidate, keys = sitting
    later = utcnow() + timedelta(hours=3)

    def sweep() -> None:
        # The app's own engine: on SQLite its transactions begin IMMEDIATE, like the CLI's.
        with Session(app.extensions["db_engine"]) as session:
            for _ in range(2000):  # an attempt in the middle of a save is skipped: try again
                closed = attempts.close_overdue(session, later)
                session.commit()
                if closed:
                    return
                time.sleep(0.002)
        pytest.fail("the sweeper never got the attempt")

    race = _race(server, candidate, keys, sweep, grade_after=3 * SAVERS)
    _check(db_session, candidate.attempt_id, race, keys)


def test_saves_racing_the_deadline_are_refused_or_graded(
    app: Flask, server: str, sitting: tuple[Candidate, dict[int, list[int]]], db_session: Session
) -> None:
    """The deadline (+ grace) passes between two saves' check and their write: saves that
    come after it grade the attempt (``ensure_open``), and must wait for those two.

    Left alone that window lasts a millisecond; on PostgreSQL it is held open: the event log
    (every save's last statement) is locked while the deadline passes, so the two early saves
    wait there, answer written but not committed, while two late ones grade the attempt. On
    SQLite the saves take turns (BEGIN IMMEDIATE) and the same steps must give the same end."""
    candidate, keys = sitting
    engine = app.extensions["db_engine"]
    positions = sorted(keys)
    saves: list[Save] = []

    def save_in_thread(position: int) -> threading.Thread:
        http = _tab(candidate)
        thread = threading.Thread(
            target=lambda: saves.append(_save(http, server, candidate, position, keys[position])),
            daemon=True,
        )
        thread.start()
        return thread

    # Overdue 0.5 s from now (the app's session: on SQLite it begins IMMEDIATE).
    with Session(engine) as session:
        ends = utcnow() + timedelta(seconds=0.5)
        session.execute(
            update(Attempt)
            .where(Attempt.id == candidate.attempt_id)
            .values(deadline_at=ends - timedelta(seconds=timing.GRACE_SECONDS))
        )
        session.commit()
    overdue_at = time.monotonic() + 0.5
    with _event_log_held(engine) as waiting:
        early = [save_in_thread(p) for p in positions[:2]]
        time.sleep(max(0.0, overdue_at - time.monotonic()) + 0.05)
        late = [save_in_thread(p) for p in positions[2:4]]
        waiting(4)  # two early saves at the log, two late ones grading (or waiting to)
    for thread in early + late:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a save hung"
    graded_by = time.monotonic()
    http = _tab(candidate)
    saves += [_save(http, server, candidate, p, keys[p]) for p in positions[4:8]]
    by_position = {s.position: s.status for s in saves}
    assert [by_position[p] for p in positions[:4]] == [200, 200, 423, 423], saves
    _check(db_session, candidate.attempt_id, Race(saves, overdue_at, graded_by), keys)


@contextmanager
def _event_log_held(engine: Engine) -> Iterator[Callable[[int], None]]:
    """On PostgreSQL, ``attempt_events`` locked against inserts until the block ends; yields
    a wait for that many requests of the test database to be waiting on a lock. On SQLite,
    nothing (a write waits for the one before it anyway)."""
    if engine.dialect.name != "postgresql":
        yield lambda count: None
        return
    with engine.connect() as holder, engine.connect() as watcher:
        holder.execute(text("LOCK TABLE attempt_events IN EXCLUSIVE MODE"))

        def waiting(count: int) -> None:
            sql = text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            for _ in range(500):
                if watcher.execute(sql).scalar_one() >= count:
                    return
                watcher.rollback()
                time.sleep(0.01)
            pytest.fail(f"fewer than {count} requests waiting on the lock after 5 s")

        try:
            yield waiting
        finally:
            holder.rollback()
