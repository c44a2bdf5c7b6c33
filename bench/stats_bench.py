"""Item analysis at scale: 100,000 graded attempts of a 100-item certification (ten million
responses) in the grading path's own tables (attempts, attempt_items, answers).

Run: .venv/bin/python bench/stats_bench.py [--attempts 100000] [--items 100]
                                           [--database-url postgresql+psycopg://…]
     (--into URL builds into an empty database and keeps it; --url URL measures it again)

Builds a fresh database (an SQLite file, or a new database on the PostgreSQL server given,
dropped afterwards); 70 % of the candidates sit once and the rest twice, answering by a Rasch
model (abilities N(0, 1), difficulties N(−0.5, 1)), with three deliberately bad items. Then
prints, each in its own process so the peak memory is the work's own (ru_maxrss):

- the sheets written again from attempt_items and answers (``sheets.rebuild``: what a
  restore needs; the grading path writes them as it goes);
- a full recomputation of the exam's figures from the database (all four counting rules;
  target under 5 s and 1.5 GB);
- one more attempt sat and graded through the real path, then the update that folds it in
  (``refresh.apply_pending``, the default figures: target under 50 ms; then
  ``apply_second_stage``, the other counting rules and the bank items): in a fresh process
  (which parses the stored tallies) and again (what the job's process pays per attempt);
- the item-analysis page and the cohort page (everyone, a year) as HR reads them (target under
  1 s).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app sets it, before numpy loads

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SCHEDULER_ENABLED", "false")  # no jobs running beside the timings

from databases import fresh_database  # noqa: E402

from exam_app import create_app, migrate  # noqa: E402
from exam_app.accounts.models import Role, User  # noqa: E402
from exam_app.db import get_session  # noqa: E402
from exam_app.exams.models import Attempt, Exam  # noqa: E402

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
LABELS = ("A", "B", "C", "D")
CHUNK = 2_000  # attempts per bulk statement


def _app(url: str) -> Any:
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})


# --- building the data -------------------------------------------------------------------------


def _copy_rows(
    conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL: COPY; SQLite: executemany. Raw DB-API: ten million rows through the ORM
    would take the bench an hour."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    else:
        if not raw.in_transaction:
            raw.execute("BEGIN")  # else each row is a transaction of its own (an fsync each)
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _bank_and_exam(session: Any, items: int) -> tuple[int, list[int], list[int]]:
    from exam_app.bank.models import Category, Item, ItemVersion
    from exam_app.exams.models import ExamMode, ExamRule, ExamStatus

    category = Category(name="业扩报装")
    session.add(category)
    session.flush()
    ids, versions = [], []
    for n in range(items):
        item = Item(status="published", category_id=category.id)
        session.add(item)
        session.flush()
        version = ItemVersion(
            item_id=item.id,
            type="single",
            stem=f"第 {n + 1} 题：居民客户申请新装用电，供电企业应在（ ）个工作日内答复供电方案？",
            options=[{"label": label, "text": f"选项{label}{n}"} for label in LABELS],
            answer=["A"],
            level="intermediate",
            difficulty=3,
            fingerprint=f"bench-{n}",
            fingerprint_hash=f"{n:064d}",
        )
        session.add(version)
        session.flush()
        item.current_version_id = version.id
        ids.append(item.id)
        versions.append(version.id)
    exam = Exam(
        title="中级工认证（性能测试）",
        mode=ExamMode.CERTIFICATION,
        status=ExamStatus.PUBLISHED,
        level="intermediate",
        duration_minutes=120,
        max_attempts=None,
        certificate_months=None,
    )
    session.add(exam)
    session.flush()
    session.add(ExamRule(exam_id=exam.id, position=1, count=items, item_ids=ids))
    session.flush()
    return exam.id, ids, versions


def _people(session: Any, count: int) -> list[int]:
    from werkzeug.security import generate_password_hash

    digest = generate_password_hash("bench-password-1")
    conn = session.connection()
    rows = [
        (f"B{n:06d}", f"考生{n}", "用电客户受理员", digest, True, False, 1, NOW, False)
        for n in range(count)
    ]
    _copy_rows(
        conn,
        "users",
        (
            "employee_no",
            "name",
            "position",
            "password_hash",
            "active",
            "must_change_password",
            "session_version",
            "created_at",
            "is_demo",
        ),
        rows,
    )
    ids = list(session.scalars(select(User.id).order_by(User.id)))
    _copy_rows(conn, "user_roles", ("user_id", "role"), [(i, Role.OPERATOR.value) for i in ids])
    return ids


def _responses(rng: np.random.Generator, n: int, items: int) -> tuple[np.ndarray, np.ndarray]:
    """Who chose what (original label index; A is the key) by a Rasch model, with three bad
    items: item 0 mis-keyed (the able choose B), item 1's D chosen by nobody, item 2 random."""
    theta = rng.normal(0, 1, n)[:, None]
    b = rng.normal(-0.5, 1, items)[None, :]
    right = rng.random((n, items)) < 1 / (1 + np.exp(-(theta - b)))
    wrong = rng.choice([1, 2, 3], size=(n, items), p=[0.5, 0.3, 0.2])
    chosen = np.where(right, 0, wrong)
    chosen[:, 0] = np.where(right[:, 0], 1, rng.choice([0, 2, 3], size=n))
    chosen[:, 1] = np.where(right[:, 1], 0, rng.choice([1, 2], size=n))
    chosen[:, 2] = rng.integers(0, 4, n)
    return chosen, (chosen == 0)


def build(url: str, attempts: int, items: int) -> None:
    app = _app(url)
    with app.app_context():
        migrate.upgrade(app.extensions["db_engine"])
        session = get_session()
        exam_id, item_ids, versions = _bank_and_exam(session, items)
        people = _people(session, int(attempts / 1.3) + 1)
        session.commit()
        rng = np.random.default_rng(2026)
        twice = people[: attempts - len(people)]
        sitters = people + twice
        conn = session.connection()
        order = json.dumps(list(LABELS))
        next_id = 1
        for start in range(0, attempts, CHUNK):
            who = sitters[start : start + CHUNK]
            chosen, right = _responses(rng, len(who), items)
            earned = right.sum(axis=1).astype(float)
            attempt_rows, item_rows, answer_rows = [], [], []
            for k, user_id in enumerate(who):
                started = NOW - timedelta(days=int(rng.integers(1, 365)), minutes=k % 600)
                if start + k >= len(people):
                    started += timedelta(days=2)  # the second sitting comes later
                aid = next_id
                next_id += 1
                percent = round(100 * earned[k] / items, 2)
                attempt_rows.append(
                    (
                        aid,
                        exam_id,
                        user_id,
                        int(rng.integers(1, 2**40)),
                        "submitted",
                        started,
                        started + timedelta(minutes=120),
                        0,
                        started + timedelta(minutes=60),
                        False,
                        started + timedelta(minutes=60),
                        earned[k],
                        float(items),
                        percent,
                        percent >= 60,
                        "{}",
                    )
                )
                for pos in range(items):
                    label = LABELS[chosen[k, pos]]
                    item_rows.append(
                        (
                            aid,
                            pos + 1,
                            item_ids[pos],
                            versions[pos],
                            "r1",
                            order,
                            1.0,
                            1.0 if label == "A" else 0.0,
                        )
                    )
                    answer_rows.append(
                        (aid, pos + 1, json.dumps([label]), False, False, 1, started)
                    )
            _copy_rows(
                conn,
                "attempts",
                (
                    "id",
                    "exam_id",
                    "user_id",
                    "seed",
                    "status",
                    "started_at",
                    "deadline_at",
                    "extra_seconds",
                    "submitted_at",
                    "auto_submitted",
                    "last_seen_at",
                    "earned",
                    "possible",
                    "percent",
                    "passed",
                    "by_category",
                ),
                attempt_rows,
            )
            _copy_rows(
                conn,
                "attempt_items",
                (
                    "attempt_id",
                    "position",
                    "item_id",
                    "version_id",
                    "rule_key",
                    "option_order",
                    "points",
                    "earned",
                ),
                item_rows,
            )
            _copy_rows(
                conn,
                "answers",
                ("attempt_id", "position", "response", "flagged", "final", "revision", "saved_at"),
                answer_rows,
            )
            session.commit()
            conn = session.connection()
        if conn.dialect.name == "postgresql":
            session.execute(
                text("SELECT setval('attempts_id_seq', (SELECT max(id) FROM attempts))")
            )
            session.execute(text("ANALYZE"))
            session.commit()


# --- the measurements, each in a process of its own --------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(url: str, name: str) -> dict[str, float]:
    from exam_app.stats import refresh, sheets

    app = _app(url)
    with app.app_context():
        session = get_session()
        exam_id = session.scalar(select(func.min(Exam.id)))
        base = _peak_mb()
        start = time.perf_counter()
        if name == "rebuild":
            sheets.rebuild(session, NOW)
            session.execute(text("DELETE FROM stats_pending"))
        elif name == "recompute":
            refresh.recompute_exam(session, exam_id, NOW)
        elif name == "one_more":
            return _one_more(app, session, exam_id)
        elif name == "page":
            return _page(app, exam_id)
        session.commit()
        return {"seconds": time.perf_counter() - start, "peak_mb": _peak_mb(), "base_mb": base}


def _one_more(app: Any, session: Any, exam_id: int) -> dict[str, float]:
    """New candidates sit the exam through the real path (start, a save per question, submit:
    the sheet is written and queued), and the job folds each in. The first fold in a fresh
    process parses the stored tallies; the job's process keeps them, so the second is what a
    running server pays per graded attempt."""
    from exam_app.exams import attempts, saving
    from exam_app.stats import refresh

    figures: dict[str, float] = {}
    for name in ("cold_seconds", "seconds"):
        user = User(
            employee_no=f"B-{name}-{uuid.uuid4().hex[:6]}",
            name="新考生",
            password_hash="x",
            position="",
        )
        session.add(user)
        session.flush()
        exam = session.get(Exam, exam_id)
        attempt = attempts.start_attempt(session, exam, user, NOW)
        session.commit()
        for position in range(1, len(attempt.items) + 1):
            saving.save_answer(session, attempt.id, user.id, position, [0], False, 0, NOW)
            session.commit()
        start = time.perf_counter()
        attempts.submit_attempt(session, session.get(Attempt, attempt.id), NOW)
        session.commit()
        figures["submit_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        done = refresh.apply_pending(session, NOW)
        session.commit()
        figures[name] = time.perf_counter() - start
        assert done == "1 attempts folded in, 0 exams recomputed", done
        start = time.perf_counter()
        refresh.apply_second_stage(session, NOW)
        session.commit()
        figures[f"others_{name}"] = time.perf_counter() - start
    figures["peak_mb"] = _peak_mb()
    return figures


def _page(app: Any, exam_id: int) -> dict[str, float]:
    session = get_session()
    hr = User(employee_no=f"H-{uuid.uuid4().hex[:6]}", name="人资", password_hash="x", position="")
    session.add(hr)
    session.flush()
    session.execute(text("INSERT INTO user_roles (user_id, role) VALUES (:u, 'hr')"), {"u": hr.id})
    session.commit()
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{hr.id}:{hr.session_version}"
        cookie["_fresh"] = True
    figures: dict[str, float] = {}
    cohort = f"/stats/cohort-stats?exam_id={exam_id}&g=all&from=2025-01-01&to=2026-12-31"
    for name, url in (("seconds", f"/stats/exams/{exam_id}"), ("cohort_page_seconds", cohort)):
        client.get(url)  # warm: templates compiled once per process
        start = time.perf_counter()
        response = client.get(url)
        figures[name] = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
    figures["peak_mb"] = _peak_mb()
    return figures


def _in_child(url: str, name: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--step", name, "--url", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


STEPS = (
    ("rebuild", "sheets rebuilt from attempt_items + answers", None),
    ("recompute", "full recomputation from the database", "< 5 s, < 1.5 GB"),
    ("one_more", "update after one more graded attempt", "< 50 ms"),
    ("page", "item-analysis page (HR; the cohort page beside)", "< 1 s"),
)


def measure(url: str, steps: tuple[str, ...]) -> None:
    for name, label, target in STEPS:
        if name not in steps:
            continue
        figures = _in_child(url, name)
        extra = ", ".join(f"{k} {v:,.3f}" for k, v in figures.items() if k != "seconds")
        print(
            f"{label:<52} {figures['seconds']:8.3f} s   ({extra})"
            + (f"   target {target}" if target else ""),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--step", help=argparse.SUPPRESS)  # one measurement, in a child
    parser.add_argument(
        "--url", help="measure again on a database an earlier --into run built (no building)"
    )
    parser.add_argument("--into", help="build into this empty database and keep it")
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.url, args.step)))
        return
    if args.url:
        measure(args.url, ("recompute", "one_more", "page"))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.into:
            _build_and_measure(args.into, args)
            return
        with fresh_database(args.database_url, Path(tmp), "stats") as url:
            _build_and_measure(url, args)


def _build_and_measure(url: str, args: argparse.Namespace) -> None:
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{kind}: {args.attempts:,} attempts x {args.items} items", flush=True)
    start = time.perf_counter()
    build(url, args.attempts, args.items)
    print(f"{'data written (not a target)':<52} {time.perf_counter() - start:8.1f} s", flush=True)
    measure(url, tuple(name for name, _label, _target in STEPS))


if __name__ == "__main__":
    main()
