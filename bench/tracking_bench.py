"""Tracking at the size of a provincial company: the compliance board for today and for a day
two years back, the twelve-month chart, and the reminder job, for 50,000 people.

Run: .venv/bin/python bench/tracking_bench.py [--people 50000] [--units 500] [--database-url URL]

Builds a fresh database (an SQLite file by default, or a new database on the PostgreSQL server
given) with PEOPLE people in UNITS org units (网公司 → 分子公司 → 地区局 → 班组/营业厅), three
requirements (one edited after two years), and three years of history each: hire dates,
moves between units, changes of position, long absences, passes every two years or so with
certificates (some let lapse, some revoked). Then prints, in seconds:

- the status spans built for everyone (``spans.rebuild``, what the scheduler does after an edit);
- the board as of today and as of two years back, whole and for one region, read from the
  spans (target under 1 s each), and once computed from the facts for comparison;
- the twelve-month chart;
- the reminder job for everyone (target under 30 s): the first run, which sends every
  reminder due, and a second, which finds them all sent.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SCHEDULER_ENABLED", "false")  # no jobs running beside the timings

from databases import fresh_database  # noqa: E402

from exam_app import create_app, migrate  # noqa: E402
from exam_app.accounts.models import OrgUnit, User  # noqa: E402
from exam_app.certificates.models import Certificate  # noqa: E402
from exam_app.db import get_session  # noqa: E402
from exam_app.exams.models import Attempt, Exam  # noqa: E402
from exam_app.i18n import DISPLAY_TZ  # noqa: E402
from exam_app.tracking import board, reminders, spans, trend  # noqa: E402
from exam_app.tracking.models import (  # noqa: E402
    Absence,
    Notice,
    PositionSpell,
    Requirement,
    RequirementVersion,
    StatusSpan,
    TrackedPerson,
    UnitSpell,
)

T = TypeVar("T")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
TODAY = NOW.astimezone(DISPLAY_TZ).date()
HISTORY_FROM = TODAY - timedelta(days=3 * 365)
REP, SPECIALIST, LEAD = "客服代表", "客服专员", "客服主管"


def timed(label: str, work: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = work()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def _day(rng: random.Random, low: date, high: date) -> date:
    return low + timedelta(days=rng.randrange(max(1, (high - low).days)))


def _org(session: Any, units: int) -> list[int]:
    """The tree, and the ids of its teams (where people work)."""
    grid = OrgUnit(code="CSG", name="南方电网", kind="grid")
    session.add(grid)
    session.flush()
    subsidiaries, bureaus, teams = [], [], []
    for s in range(4):
        sub = OrgUnit(code=f"S{s}", name=f"分子公司{s}", kind="subsidiary", parent_id=grid.id)
        session.add(sub)
        subsidiaries.append(sub)
    session.flush()
    for b in range(20):
        bureau = OrgUnit(
            code=f"B{b}", name=f"供电局{b}", kind="bureau", parent_id=subsidiaries[b % 4].id
        )
        session.add(bureau)
        bureaus.append(bureau)
    session.flush()
    rows = [
        {
            "code": f"T{t}",
            "name": f"营业厅{t}",
            "kind": "team",
            "parent_id": bureaus[t % 20].id,
            "is_active": True,
            "created_at": NOW,
        }
        for t in range(units - 25)
    ]
    session.execute(insert(OrgUnit), rows)
    teams = list(session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "team")))
    return teams


def _requirements(session: Any, subsidiary_ids: list[int]) -> None:
    def version(rid: int, **kw: Any) -> None:
        session.add(RequirementVersion(requirement_id=rid, created_at=NOW, **kw))

    names = ("营业厅客服代表持中级工证", "客服专员与主管持高级工证", "长期离岗返岗复考")
    made = []
    for name in names:
        r = Requirement(name=name, created_at=NOW)
        session.add(r)
        made.append(r)
    session.flush()
    a, b, c = (r.id for r in made)
    version(a, effective_from=HISTORY_FROM, level="intermediate", positions=[REP])
    version(
        a,
        effective_from=HISTORY_FROM + timedelta(days=730),
        level="intermediate",
        positions=[REP],
        renewal_window_days=60,
    )
    version(
        b,
        effective_from=HISTORY_FROM,
        level="senior",
        positions=[SPECIALIST, LEAD],
        grace_days=180,
        grace_from="joining",
    )
    version(
        c,
        effective_from=HISTORY_FROM,
        level="intermediate",
        certificate=False,
        unit_ids=subsidiary_ids[:2],
        return_after_absence_days=90,
    )


def populate(session: Any, people: int, units: int, rng: random.Random) -> None:
    teams = _org(session, units)
    subsidiary_ids = list(
        session.scalars(select(OrgUnit.id).where(OrgUnit.kind == "subsidiary").order_by(OrgUnit.id))
    )
    _requirements(session, subsidiary_ids)
    exams = {}
    for level, title in (("intermediate", "中级工认证"), ("senior", "高级工认证")):
        exam = Exam(title=title, mode="certification", level=level, duration_minutes=60)
        session.add(exam)
        exams[level] = exam
    session.flush()
    users, tracked, positions, unit_spells, absences = [], [], [], [], []
    attempts, certificates = [], []
    attempt_id = cert_id = 0
    for n in range(1, people + 1):
        team = rng.choice(teams)
        hired = _day(rng, date(2012, 1, 1), TODAY - timedelta(days=30))
        if rng.random() < 0.2:
            hired = _day(rng, HISTORY_FROM, TODAY - timedelta(days=10))  # newer staff
        users.append(
            {
                "id": n,
                "employee_no": f"E{n:06d}",
                "name": f"员工{n}",
                "org_unit_id": team,
                "position": REP,
                "password_hash": "!bench",  # no one signs in as these
                "active": True,
                "must_change_password": False,
                "session_version": 1,
                "created_at": NOW,
                "is_demo": False,
            }
        )
        tracked.append({"user_id": n, "hired_on": hired, "recorded_at": NOW})
        # position: 客服代表, perhaps promoted once
        promoted = None
        if rng.random() < 0.25:
            promoted = _day(rng, max(hired, HISTORY_FROM) + timedelta(days=1), TODAY)
        positions.append(
            {
                "user_id": n,
                "position": REP,
                "starts_on": hired,
                "ends_on": None if promoted is None else promoted - timedelta(days=1),
                "recorded_at": NOW,
            }
        )
        if promoted is not None:
            positions.append(
                {
                    "user_id": n,
                    "position": LEAD if rng.random() < 0.2 else SPECIALIST,
                    "starts_on": promoted,
                    "ends_on": None,
                    "recorded_at": NOW,
                }
            )
        # unit: perhaps moved once
        moved = None
        if rng.random() < 0.3:
            moved = _day(rng, max(hired, HISTORY_FROM) + timedelta(days=1), TODAY)
        unit_spells.append(
            {
                "user_id": n,
                "unit_id": team,
                "starts_on": hired,
                "ends_on": None if moved is None else moved - timedelta(days=1),
                "recorded_at": NOW,
            }
        )
        if moved is not None:
            unit_spells.append(
                {
                    "user_id": n,
                    "unit_id": rng.choice(teams),
                    "starts_on": moved,
                    "ends_on": None,
                    "recorded_at": NOW,
                }
            )
            users[-1]["org_unit_id"] = unit_spells[-1]["unit_id"]
        if rng.random() < 0.1:
            start = _day(rng, max(hired, HISTORY_FROM), TODAY - timedelta(days=40))
            end = start + timedelta(days=rng.choice((30, 95, 120, 200)))
            absences.append(
                {
                    "user_id": n,
                    "starts_on": start,
                    "ends_on": None if end >= TODAY else end,
                    "reason": "病假",
                    "recorded_at": NOW,
                }
            )
        # passes: every two years or so from a few months after hire; some let lapse
        level = "intermediate" if promoted is None else "senior"
        day = max(
            hired + timedelta(days=rng.randrange(20, 150)), HISTORY_FROM - timedelta(days=700)
        )
        while day < TODAY:
            if rng.random() < 0.85:
                attempt_id += 1
                cert_id += 1
                passed_at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
                attempts.append(
                    {
                        "id": attempt_id,
                        "exam_id": exams[level].id,
                        "user_id": n,
                        "seed": attempt_id,
                        "status": "submitted",
                        "started_at": passed_at - timedelta(minutes=50),
                        "deadline_at": passed_at + timedelta(minutes=10),
                        "extra_seconds": 0,
                        "submitted_at": passed_at,
                        "auto_submitted": False,
                        "earned": 80.0,
                        "possible": 100.0,
                        "percent": 80.0,
                        "passed": True,
                        "by_category": {},
                    }
                )
                revoked = passed_at + timedelta(days=200) if rng.random() < 0.02 else None
                certificates.append(
                    {
                        "id": cert_id,
                        "number": f"B{cert_id:08d}",
                        "verification_code": f"V{cert_id:08d}",
                        "user_id": n,
                        "holder_name": f"员工{n}",
                        "holder_employee_no": f"E{n:06d}",
                        "holder_unit": "",
                        "title": "用电客户受理员",
                        "level": level,
                        "level_name": level,
                        "exam_id": exams[level].id,
                        "exam_title": "认证",
                        "attempt_id": attempt_id,
                        "score_percent": 80.0,
                        "issued_at": passed_at,
                        "valid_from": day,
                        "expires_on": day + timedelta(days=730 - 1),
                        "status": "revoked" if revoked else "valid",
                        "revoked_at": revoked,
                        "revoked_reason": "违纪" if revoked else "",
                        "credential_jwt": "bench",
                        "status_index": cert_id,
                    }
                )
            day += timedelta(days=rng.randrange(640, 800))
    for table, rows in (
        (User, users),
        (TrackedPerson, tracked),
        (PositionSpell, positions),
        (UnitSpell, unit_spells),
        (Absence, absences),
        (Attempt, attempts),
        (Certificate, certificates),
    ):
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start : start + 5000])
    if session.get_bind().dialect.name == "postgresql":
        for table in ("users", "attempts", "certificates"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(args.database_url, Path(tmp), "tracking") as url,
    ):
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        migrate.upgrade(app.extensions["db_engine"])
        print(
            f"database: {make_url(url).get_backend_name()},"
            f" {args.people} people, {args.units} units"
        )
        with app.app_context():
            session = get_session()
            timed(
                "history: people, spells, absences, passes, certificates",
                lambda: populate(session, args.people, args.units, random.Random(14)),
            )
            print(
                "  certificates:",
                session.scalar(select(func.count()).select_from(Certificate)),
            )
            timed(
                "status spans built for everyone (3 requirements)",
                lambda: spans.rebuild(session, NOW),
            )
            print(f"  spans: {session.scalar(select(func.count()).select_from(StatusSpan))}")
            region = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "S1"))
            past = TODAY - timedelta(days=730)
            everyone = board.Filters()
            one_region = board.Filters(unit_id=region)
            for label, filters, day in (
                ("board today, everyone (spans)", everyone, TODAY),
                ("board two years back, everyone (spans)", everyone, past),
                ("board today, one region (spans)", one_region, TODAY),
                ("board two years back, one region (spans)", one_region, past),
            ):
                result = timed(
                    label, lambda f=filters, d=day: board.board(session, f, d, None, 500)
                )
                session.rollback()
            print(
                f"  rows: {result.row_count}, totals:"
                f" { {k.value: v for k, v in result.totals.items()} }"
            )
            timed(
                "twelve-month chart, everyone (spans)",
                lambda: trend.monthly(session, everyone, TODAY),
            )
            session.rollback()
            # the same board computed from the facts, as when a rule was just edited
            timed(
                "board today, everyone (from the facts, for comparison)",
                lambda: board._from_facts(session, everyone, TODAY, None, None, 500),
            )
            session.rollback()
            first = timed(
                "reminder job, first run (everything due is sent)",
                lambda: (reminders.send_due_reminders(session, NOW, None), session.commit())[0],
            )
            print(
                f"  {first.summary()};"
                f" notices: {session.scalar(select(func.count()).select_from(Notice))}"
            )
            again = timed(
                "reminder job, second run (nothing new)",
                lambda: (reminders.send_due_reminders(session, NOW, None), session.commit())[0],
            )
            print(f"  {again.summary()}")

        app.extensions["db_engine"].dispose()


if __name__ == "__main__":
    main()
