"""Operators take exams: home, start, the attempt page and its JSON saves, submit, results."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, Locked

from exam_app.accounts.permissions import allow, confirm_access, unconfirmed_claim
from exam_app.accounts.principal import signed_in_user
from exam_app.bank.models import Category
from exam_app.db import get_engine, get_session, utcnow
from exam_app.errors import DomainError
from exam_app.exams import (
    attempts,
    events,
    fast_save,
    papers,
    practice,
    priorities,
    proctoring,
    saving,
    timing,
)
from exam_app.exams.definitions import is_assigned, open_exams
from exam_app.exams.forms import PracticeForm
from exam_app.exams.models import (
    Attempt,
    AttemptEventKind,
    AttemptStatus,
    Exam,
    ExamMode,
    ExamStatus,
    ReviewPolicy,
)
from exam_app.exams.readers import RESULT_READERS
from exam_app.exams.standing import standings, start_facts
from exam_app.exams.wrong_book import answer_wrong_book, entries_of, wrong_book_questions
from exam_app.forms import ConfirmForm
from exam_app.i18n import local_text
from exam_app.study.links import clause_url
from exam_app.web import bounded_int, json_object, run_service

bp = Blueprint("exams", __name__, url_prefix="/exams")
TAKERS = tuple(fast_save.TAKERS)  # the save's statement checks the same roles
#: who reads anyone's result: the score and the categories, never the keys. A supervisor's
#: subtree is tracking's scope (who works where now), which exams cannot see.
#: the exams page lists the latest results; the performance page (tracking) has them all
RECENT_RESULTS = 5


def _mine(attempt_id: int) -> Attempt:
    return attempts.own_attempt(get_session(), attempt_id, current_user.id)


@bp.route("/")
@allow(*TAKERS)
def index() -> ResponseReturnValue:
    """The operator's home: exams open to them, attempts to resume, past results."""
    session, now = get_session(), utcnow()
    user = signed_in_user(session)
    closed = attempts.close_overdue_for(session, user.id, now)
    if closed:
        session.commit()
    offers = []
    for exam in open_exams(session):
        if not is_assigned(session, exam, user):
            continue
        try:
            attempts.check_may_start(session, exam, user, now)
            reason = None
        except DomainError as exc:
            reason = exc.message
        offers.append((exam, reason))
    # certifications the person's requirements call for first, most pressing first
    needs = priorities.needs_of(session, user.id, now)

    def offer_order(offer: tuple[Exam, str | None]) -> tuple[int, bool, date]:
        need = needs.get(offer[0].level or "") if offer[0].mode == ExamMode.CERTIFICATION else None
        if need is None:
            return (1, True, date.max)
        return (0, not need.late, need.by or date.max)

    offers.sort(key=offer_order)
    standing_of = standings(session, user.id, [exam for exam, _reason in offers])
    mine = session.scalars(
        select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.id.desc()).limit(50)
    ).all()
    wrong = entries_of(session, user.id)  # what the book shows
    weakest = [
        c.name
        for c in (
            session.get(Category, cid) for cid in practice.weakest_categories(session, user.id)
        )
        if c is not None
    ]
    return render_template(
        "exams/index.html",
        offers=offers,
        standing_of=standing_of,
        needs=needs,
        mine=mine,
        wrong_count=len(wrong),
        weakest=weakest,
        RECENT_RESULTS=RECENT_RESULTS,
        form=ConfirmForm(),
    )


@bp.route("/<int:exam_id>/start")
@allow(*TAKERS)
def start_page(exam_id: int) -> ResponseReturnValue:
    """Before the clock: duration, questions, pass mark, attempts used and left, the window,
    what the result will show. Its 开始答题 button POSTs to ``start``; only that starts the
    timer."""
    session, now = get_session(), utcnow()
    exam = session.get(Exam, exam_id)
    user = signed_in_user(session)
    if exam is None or exam.status == ExamStatus.DRAFT or not is_assigned(session, exam, user):
        abort(404)
    closed = attempts.close_overdue_for(session, user.id, now)
    if closed:
        session.commit()
    return render_template(
        "exams/start.html",
        exam=exam,
        facts=start_facts(session, exam, user, now),
        review=ReviewPolicy.FULL if exam.mode == ExamMode.PRACTICE else exam.review_policy,
        form=ConfirmForm(),
    )


@bp.route("/<int:exam_id>/start", methods=["POST"])
@allow(*TAKERS)
def start(exam_id: int) -> ResponseReturnValue:
    session = get_session()
    exam = session.get(Exam, exam_id)
    if exam is None or not ConfirmForm().validate_on_submit():
        abort(404 if exam is None else 400)
    user = signed_in_user(session)
    attempt = run_service(session, lambda: attempts.start_attempt(session, exam, user, utcnow()))
    return _to_attempt(attempt)


def _to_attempt(attempt: Attempt | None) -> ResponseReturnValue:
    """To the attempt just started, or back home where the refusal is flashed."""
    if attempt is None:
        return redirect(url_for("exams.index"))
    return redirect(url_for("exams.attempt", attempt_id=attempt.id))


@bp.route("/practice/weakest", methods=["POST"])
@allow(*TAKERS)
def practice_weakest() -> ResponseReturnValue:
    """Practice drawn from the operator's weakest categories, or from one category chosen
    (``category_id``, from the performance page)."""
    form = PracticeForm()
    if not form.validate_on_submit():
        abort(400)
    session = get_session()
    user, level = signed_in_user(session), form.level.data or None
    category_id = form.category_id.data
    return _to_attempt(
        run_service(
            session,
            lambda: practice.start_weakest_practice(session, user, level, utcnow(), category_id),
            refused="warning",
        )
    )


@bp.route("/attempts/<int:attempt_id>")
@allow(*TAKERS)
def attempt(attempt_id: int) -> ResponseReturnValue:
    session, now = get_session(), utcnow()
    attempt = _mine(attempt_id)
    try:
        attempts.ensure_open(session, attempt, now)
    except DomainError:
        session.commit()  # an overdue attempt was just graded
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    opened_before = events.was_opened(session, attempt.id)
    # Opened again means a reload, another tab or another device: the proctor sees which.
    kind = AttemptEventKind.RESUMED if opened_before else AttemptEventKind.OPENED
    events.log(session, attempt, kind, now, current_user.id, agent=request.user_agent.string[:200])
    session.commit()
    paper = papers.shown_paper(session, attempt)
    return render_template(
        "exams/attempt.html",
        attempt=attempt,
        paper=paper,
        now=now,
        remaining=timing.remaining_seconds(now, attempt.deadline_at),
        practice=attempt.exam.mode == ExamMode.PRACTICE,
        form=ConfirmForm(),
    )


def _receipt_json(receipt: saving.Receipt) -> dict[str, object]:
    feedback = receipt.feedback
    if feedback is not None:  # where the operator can read the rule the item tests
        feedback = {**feedback, "clause_url": clause_url(feedback.get("source"))}
    return {
        "ok": True,
        "position": receipt.position,
        "revision": receipt.revision,
        "saved_at": receipt.saved_at.isoformat(),
        # Digits only, so no locale is needed: cheaper than Babel's formatter on the hot path.
        "saved_at_local": local_text(receipt.saved_at, "%H:%M:%S"),
        "feedback": feedback,
        "final": receipt.final,
    }


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@allow(*TAKERS, checked_in_statement=True)
def save_answer(attempt_id: int) -> ResponseReturnValue:
    """One answer, saved at once. 409 with the stored answer when another tab was newer; 423
    when the attempt is over, or for practice while a certification runs. ``confirm``: a
    practice multiple-choice answer is final (its feedback comes back).

    Who is signed in is checked by the save's own statement when it can be (``claims.py``);
    whatever that statement does not write goes through the usual check first."""
    now = utcnow()
    try:
        data = json_object()
        position = bounded_int(data["position"])
        chosen = [bounded_int(i) for i in data.get("chosen", [])]
        base = bounded_int(data.get("base_revision", 0))
    except (BadRequest, KeyError, TypeError, ValueError):  # who asks is checked first
        return confirm_access() or (jsonify(ok=False, error=_("请求格式错误。")), 400)
    confirm, flagged = data.get("confirm") is True, bool(data.get("flagged"))
    claim = unconfirmed_claim()
    if claim is not None and not confirm:
        # a Core connection: the ORM session's transaction bookkeeping was 8 % of a save
        with get_engine().connect() as conn:
            receipt = saving.save_claimed(
                conn, attempt_id, claim, position, chosen, flagged, base, now
            )
            if receipt is not None:
                conn.commit()
                return jsonify(_receipt_json(receipt))
    refused = confirm_access()
    if refused is not None:
        return refused
    session = get_session()
    try:
        receipt = saving.save_answer(
            session,
            attempt_id,
            current_user.id,
            position,
            chosen,
            flagged,
            base,
            now,
            confirm=confirm,
            fast=claim is None,
        )
    except saving.StaleAnswer as exc:
        session.commit()  # keep the conflict in the log
        return jsonify(
            ok=False,
            conflict=True,
            error=exc.message,
            revision=exc.revision,
            chosen=exc.chosen,
            flagged=exc.flagged,
        ), 409
    except attempts.AttemptRefused as exc:
        session.commit()  # an overdue attempt may just have been graded
        attempt = session.get(Attempt, attempt_id)
        closed = attempt is not None and attempt.status != AttemptStatus.IN_PROGRESS
        return jsonify(ok=False, closed=closed, error=exc.message), 423
    session.commit()
    return jsonify(_receipt_json(receipt))


@bp.route("/attempts/<int:attempt_id>/heartbeat", methods=["POST"])
@allow(*TAKERS)
def heartbeat(attempt_id: int) -> ResponseReturnValue:
    session, now, data = get_session(), utcnow(), json_object()
    attempt = _mine(attempt_id)
    try:
        attempts.ensure_open(session, attempt, now)
    except DomainError:
        session.commit()
        return jsonify(ok=False, closed=True), 423
    visible = data.get("visible")
    proctoring.heartbeat(session, attempt, now, visible if isinstance(visible, bool) else None)
    session.commit()
    return jsonify(
        ok=True,
        now=now.isoformat(),
        deadline=attempt.deadline_at.isoformat(),
        remaining=timing.remaining_seconds(now, attempt.deadline_at),
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow(*TAKERS)
def submit(attempt_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    attempt = _mine(attempt_id)
    attempts.submit_attempt(session, attempt, utcnow())
    session.commit()
    return redirect(url_for("exams.result", attempt_id=attempt.id))


def _readable(attempt_id: int) -> Attempt:
    """The caller's own attempt, or anyone's for HR and administrators."""
    if not current_user.has_role(*RESULT_READERS):
        return _mine(attempt_id)
    attempt = get_session().get(Attempt, attempt_id)
    if attempt is None:
        raise attempts.no_such_attempt()
    return attempt


@bp.route("/attempts/<int:attempt_id>/result")
@allow(*TAKERS, *RESULT_READERS)
def result(attempt_id: int) -> ResponseReturnValue:
    session, now = get_session(), utcnow()
    attempt = _readable(attempt_id)
    own = attempt.user_id == current_user.id
    if attempt.status == AttemptStatus.IN_PROGRESS:
        try:
            attempts.ensure_open(session, attempt, now)
        except DomainError:
            session.commit()
        else:
            target = "exams.attempt" if own else "exams.attempt_log"
            return redirect(url_for(target, attempt_id=attempt.id))
    policy = ReviewPolicy(attempt.exam.review_policy)
    if attempt.exam.mode == ExamMode.PRACTICE:
        policy = ReviewPolicy.FULL
    if not own:  # a reader sees how the candidate did, not the keys
        policy = ReviewPolicy.BY_CATEGORY
    if policy == ReviewPolicy.FULL:
        _closed_during_certification(session, now)  # keys of other papers wait till it ends
    review = papers.reviewed_paper(session, attempt) if policy == ReviewPolicy.FULL else []
    names = {str(c.id): c.path for c in session.scalars(select(Category))}
    exam = attempt.exam
    again = None
    if own:  # what happens next: may they sit again, and if not, why
        try:
            attempts.check_may_start(session, exam, signed_in_user(session), now)
        except DomainError as exc:
            again = exc.message
    return render_template(
        "exams/result.html",
        attempt=attempt,
        policy=policy.value,
        review=review,
        category_names=names,
        standing=standings(session, attempt.user_id, [exam])[exam.id],
        again=again,
        own=own,
    )


def _closed_during_certification(session: Session, now: datetime) -> None:
    """A page that would show keys is closed (423) while the person sits a certification."""
    try:
        attempts.ensure_no_certification(session, current_user.id, now)
    except attempts.CertificationInProgress as exc:
        raise Locked(exc.message) from None


@bp.route("/wrong-book")
@allow(*TAKERS)
def wrong_book() -> ResponseReturnValue:
    session = get_session()
    _closed_during_certification(session, utcnow())
    questions = wrong_book_questions(session, entries_of(session, current_user.id))
    return render_template("exams/wrong_book.html", questions=questions)


@bp.route("/wrong-book/<int:item_id>/answer", methods=["POST"])
@allow(*TAKERS)
def wrong_book_answer(item_id: int) -> ResponseReturnValue:
    """Practise one missed item: the key comes back only after the answer is recorded."""
    session, data, now = get_session(), json_object(), utcnow()
    try:
        chosen = [bounded_int(i) for i in data.get("chosen", [])]
        attempts.ensure_no_certification(session, current_user.id, now)
        outcome = answer_wrong_book(session, current_user.id, item_id, chosen, now)
    except (TypeError, ValueError):
        return jsonify(ok=False, error=_("请求格式错误。")), 400
    except attempts.CertificationInProgress as exc:
        return jsonify(ok=False, error=exc.message), 423
    except DomainError as exc:
        return jsonify(ok=False, error=exc.message), 404
    session.commit()
    return jsonify(ok=True, **outcome)
