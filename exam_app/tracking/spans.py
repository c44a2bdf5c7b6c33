"""Everyone's status as dated spans (``timeline``) in ``tracking_status_spans``, kept in step
with the facts, so that the board and the reminders for any date read one range of rows
instead of recomputing 50,000 histories.

**A person's facts change** (hired, moved, absent, exempted, extended, a certificate issued,
revoked or restored, an attempt graded or regraded): their spans under every requirement are
rebuilt before that transaction commits, so they commit, or roll back, with the change. Two
hooks collect whom to rebuild: a flush of any fact row (``WATCHED``, and an ``Attempt`` whose
``passed`` changed), whichever service made it, and the ``attempt_graded`` signal (grading
that bypasses the ORM). ``refresh_people`` first locks the people's ``tracking_people`` rows
(an UPDATE that changes nothing: row locks on PostgreSQL, the write lock on SQLite), so a
rebuild running beside it waits for it, or it for the rebuild, and never writes spans from
facts read before the other committed.

**A requirement's versions, or the org tree its units stand for, change**: every person's spans
under it are stale. ``fingerprint`` sums up both; ``SpanBuild`` keeps the sum the spans were
built from. The board and the reminders use the spans only of requirements whose sums agree
(``fresh``), and otherwise compute from the facts as before (slower, never wrong). The job
``tracking.spans`` (every minute) rebuilds the stale ones, committing every ``CHUNK`` people
so that SQLite's single writer is never held for long; ``tracking.spans_full`` rebuilds all
of them once a day, for facts changed outside the application.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import delete, event, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from exam_app.accounts.models import OrgUnit
from exam_app.certificates.models import Certificate
from exam_app.exams.events import AttemptGraded, attempt_graded
from exam_app.exams.models import Attempt
from exam_app.tracking import compliance, rules, timeline
from exam_app.tracking.models import (
    OPEN_END,
    Absence,
    Exemption,
    Extension,
    PositionSpell,
    Requirement,
    RequirementVersion,
    SpanBuild,
    StatusSpan,
    TrackedPerson,
    UnitSpell,
)

CHUNK = compliance.CHUNK
#: rows whose flush changes someone's facts (each has ``user_id``)
WATCHED = (TrackedPerson, PositionSpell, UnitSpell, Absence, Exemption, Extension, Certificate)
_DIRTY = "tracking.spans.dirty"


# --- is a requirement's build current? ---------------------------------------------------------


def fingerprints(session: Session) -> dict[int, str]:
    """Every requirement's sum of its versions and, where a version names units, the org tree."""
    tree: list[Any] | None = None
    rows: dict[int, list[Any]] = {rid: [] for rid in session.scalars(select(Requirement.id))}
    for v in session.scalars(
        select(RequirementVersion).order_by(
            RequirementVersion.effective_from, RequirementVersion.id
        )
    ):
        rows[v.requirement_id].append(
            [
                v.id,
                v.effective_from.isoformat(),
                v.level,
                sorted(v.positions) if v.positions is not None else None,
                sorted(v.unit_ids) if v.unit_ids is not None else None,
                v.certificate,
                v.grace_days,
                v.grace_from.value,
                v.renewal_window_days,
                v.return_after_absence_days,
                v.retired,
            ]
        )
    sums = {}
    for rid, versions in rows.items():
        data: list[Any] = [versions]
        if any(v[4] is not None for v in versions):
            if tree is None:
                tree = sorted(
                    [uid, parent or 0]
                    for uid, parent in session.execute(select(OrgUnit.id, OrgUnit.parent_id))
                )
            data.append(tree)
        sums[rid] = hashlib.sha256(json.dumps(data).encode()).hexdigest()
    return sums


def fresh(session: Session) -> set[int]:
    """The requirements whose spans were built from what they ask today."""
    built = dict(session.execute(select(SpanBuild.requirement_id, SpanBuild.fingerprint)).all())
    return {rid for rid, fp in fingerprints(session).items() if built.get(rid) == fp}


# --- building spans ----------------------------------------------------------------------------


def _lock(session: Session, user_ids: Sequence[int]) -> None:
    session.execute(
        update(TrackedPerson)
        .where(TrackedPerson.user_id.in_(user_ids))
        .values(hired_on=TrackedPerson.hired_on)
        .execution_options(synchronize_session=False)
    )


def _span_rows(
    requirement_id: int,
    versions: Sequence[rules.RequirementVersion],
    facts: dict[int, compliance.Facts],
    exemptions: dict[int, list[rules.Exemption]],
    extensions: dict[int, list[rules.Extension]],
) -> list[dict[str, Any]]:
    out = []
    for user_id, person in facts.items():
        for span in timeline.timeline(
            versions,
            person.history,
            person.certificates,
            exemptions.get(user_id, ()),
            extensions.get(user_id, ()),
            person.passes,
        ):
            s = span.status
            out.append(
                {
                    "requirement_id": requirement_id,
                    "user_id": user_id,
                    "starts_on": span.start,
                    "ends_on": OPEN_END if span.end is None else span.end,
                    "unit_id": span.unit,
                    "position": span.position,
                    "level": span.level,
                    "state": s.state,
                    "until": s.until,
                    "due": s.due,
                    "since": s.since,
                    "cause": s.cause,
                    "extended": s.extended,
                }
            )
    return out


def _write(
    session: Session,
    requirement_ids: Sequence[int],
    user_ids: Sequence[int],
    versions: dict[int, list[rules.RequirementVersion]],
) -> int:
    """Rebuild the spans of ``user_ids`` (at most ``CHUNK``) under ``requirement_ids``."""
    _lock(session, user_ids)
    facts = compliance.people_facts(session, user_ids)
    session.execute(
        delete(StatusSpan)
        .where(StatusSpan.user_id.in_(user_ids), StatusSpan.requirement_id.in_(requirement_ids))
        .execution_options(synchronize_session=False)
    )
    written = 0
    for rid in requirement_ids:
        exemptions, extensions = compliance.grants(session, rid, list(facts))
        rows = _span_rows(rid, versions[rid], facts, exemptions, extensions)
        if rows:
            session.execute(insert(StatusSpan), rows)
            written += len(rows)
    return written


def refresh_people(session: Session, user_ids: Iterable[int]) -> int:
    """Rebuild the spans of these people under every requirement; flushes, never commits.
    Returns the number of spans written."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    rids = list(session.scalars(select(Requirement.id).order_by(Requirement.id)))
    versions = {rid: compliance.requirement_versions(session, rid) for rid in rids}
    written = 0
    for start in range(0, len(ids), CHUNK):
        written += _write(session, rids, ids[start : start + CHUNK], versions)
    return written


def rebuild(
    session: Session, now: datetime, requirement_ids: Iterable[int] | None = None
) -> tuple[int, int]:
    """Rebuild everyone's spans under the requirements given (default: the stale ones),
    committing after every ``CHUNK`` people; returns (requirements, spans written)."""
    sums = fingerprints(session)
    rids = sorted(
        set(requirement_ids) if requirement_ids is not None else set(sums) - fresh(session)
    )
    if not rids:
        return 0, 0
    versions = {rid: compliance.requirement_versions(session, rid) for rid in rids}
    people = list(session.scalars(select(TrackedPerson.user_id).order_by(TrackedPerson.user_id)))
    written = 0
    for start in range(0, len(people), CHUNK):
        written += _write(session, rids, people[start : start + CHUNK], versions)
        session.commit()  # one chunk at a time: SQLite's writer is never held for long
    for rid in rids:
        session.execute(
            delete(StatusSpan)
            .where(
                StatusSpan.requirement_id == rid,
                StatusSpan.user_id.not_in(select(TrackedPerson.user_id)),
            )
            .execution_options(synchronize_session=False)
        )
        build = session.get(SpanBuild, rid)
        if build is None:
            session.add(SpanBuild(requirement_id=rid, fingerprint=sums[rid], built_at=now))
        else:
            build.fingerprint, build.built_at = sums[rid], now
    session.commit()
    return len(rids), written


# --- reading them ------------------------------------------------------------------------------


def covering(on: date) -> ColumnElement[bool]:
    """The spans that hold on ``on``."""
    return (StatusSpan.ends_on >= on) & (StatusSpan.starts_on <= on)


def status_of(span: StatusSpan) -> rules.Status:
    return rules.Status(span.state, span.until, span.due, span.since, span.cause, span.extended)


def statuses_on(session: Session, requirement_id: int, on: date) -> dict[int, rules.Status]:
    """Everyone on the board under the requirement on ``on``: their status that day."""
    found: dict[int, rules.Status] = {}
    for user_id, state, until, due, since, cause, extended in session.execute(
        select(
            StatusSpan.user_id,
            StatusSpan.state,
            StatusSpan.until,
            StatusSpan.due,
            StatusSpan.since,
            StatusSpan.cause,
            StatusSpan.extended,
        ).where(covering(on), StatusSpan.requirement_id == requirement_id)
    ):
        found[user_id] = rules.Status(state, until, due, since, cause, extended)
    return found


# --- keeping them in step ----------------------------------------------------------------------


def mark_dirty(session: Session, user_ids: Iterable[int]) -> None:
    """These people's spans are rebuilt before the session commits."""
    session.info.setdefault(_DIRTY, set()).update(user_ids)


def _passed_changed(attempt: Attempt) -> bool:
    state = sa_inspect(attempt)
    return bool(state.attrs.passed.history.has_changes())


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    ids = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, WATCHED) or isinstance(obj, Attempt) and _passed_changed(obj):
            ids.add(obj.user_id)
    if ids:
        mark_dirty(session, ids)


@event.listens_for(Session, "before_commit")
def _refresh(session: Session) -> None:
    if not session.info.get(_DIRTY):
        return
    session.flush()
    ids = session.info.pop(_DIRTY, set())
    if ids:
        refresh_people(session, ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_DIRTY, None)


def _on_attempt_graded(sender: Session, event: AttemptGraded, **_extra: Any) -> None:
    mark_dirty(sender, [event.user_id])


attempt_graded.connect(_on_attempt_graded, weak=False)


# --- for the scheduler -------------------------------------------------------------------------


def stale_job(session: Session, now: datetime) -> str:
    """Rebuild the requirements whose versions or org tree changed since their spans were built."""
    n, written = rebuild(session, now)
    return f"{n} requirement(s) rebuilt, {written} span(s)"


def full_job(session: Session, now: datetime) -> str:
    """Rebuild every requirement's spans (facts changed outside the application)."""
    n, written = rebuild(session, now, list(session.scalars(select(Requirement.id))))
    return f"{n} requirement(s) rebuilt, {written} span(s)"


JOBS = (
    ("tracking.spans", stale_job, timedelta(minutes=1)),
    ("tracking.spans_full", full_job, timedelta(days=1)),
)
