"""Issuing, superseding, revoking and restoring certificates. Services: they take the session,
``now`` and plain settings, flush and never commit; every change is in the audit log.

A certificate is issued when a certification attempt that carries a validity is passed, and
follows its grade: a regrade that fails it revokes the certificate, one that passes it issues
one, and a revert of the regrade undoes that (``follow_grade``, subscribed to the exams' signal).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.models import LEVEL_LABELS, Level
from exam_app.certificates import credential, render, rules, signing
from exam_app.certificates.models import (
    Certificate,
    CertificateCounter,
    CertificateStatus,
    Issuer,
)
from exam_app.certificates.models import SigningKey as StoredKey
from exam_app.core import audit
from exam_app.errors import DomainError
from exam_app.exams.events import AttemptGraded, GradeCause
from exam_app.exams.models import Attempt, ExamMode
from exam_app.i18n import DISPLAY_TZ

#: ``session.info`` key: while set, certificates are issued without their PDF (left for
#: ``flask certs render-pending``, as when no Chinese font is installed). For bulk issuing, such
#: as the demo history's hundreds of passes: a PDF takes about 0.1 s to render.
DEFER_RENDERING = "certificates.defer_rendering"

#: The counter row that hands out status-list indexes (years are the other rows).
_STATUS_INDEX_ROW = 0


@dataclass(frozen=True)
class CertSettings:
    """The installation's certificate settings (from config)."""

    base_url: str
    key_file: str
    issuer_name: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CertSettings:
        return cls(
            config["CERT_BASE_URL"], config["CERT_SIGNING_KEY_FILE"], config["CERT_ISSUER_NAME"]
        )

    def verify_url(self, number: str, code: str) -> str:
        return f"{self.base_url}/certificates/verify/{number}/{code}"

    @property
    def issuer_id(self) -> str:
        return f"{self.base_url}/certificates/issuer"

    @property
    def status_list_url(self) -> str:
        return f"{self.base_url}/certificates/status/revocation"


def issuer(session: Session, settings: CertSettings) -> Issuer:
    """The issuer row (made on first use with the configured name)."""
    found = session.get(Issuer, 1)
    if found is None:
        found = Issuer(id=1, name=settings.issuer_name)
        session.add(found)
        session.flush()
    return found


def signing_key(session: Session, settings: CertSettings) -> signing.SigningKey:
    """The key that signs from now on; its public part is published (kept after rotation)."""
    key = signing.load_or_create(settings.key_file)
    if session.get(StoredKey, key.kid) is None:
        session.add(StoredKey(kid=key.kid, public_jwk=key.public_jwk))
        session.flush()
    return key


def published_keys(session: Session) -> list[dict[str, Any]]:
    return [k.public_jwk for k in session.scalars(select(StoredKey).order_by(StoredKey.created_at))]


def _next_in(session: Session, row: int) -> int:
    """The next number of a counter, atomically across app servers (one upsert ... RETURNING;
    PostgreSQL locks the row until commit, SQLite writes one at a time)."""
    upsert = (
        pg_insert
        if session.bind is not None and session.bind.dialect.name == "postgresql"
        else sqlite_insert
    )
    table = cast(Table, CertificateCounter.__table__)
    stmt = (
        upsert(table)
        .values(year=bindparam("row"), last=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    return int(session.execute(stmt, {"row": row}).scalar_one())


def _level_name(level: str) -> str:
    with force_locale("zh_CN"):  # printed in Chinese whatever the reader's language
        return str(LEVEL_LABELS[Level(level)])


def current_certificate(session: Session, user_id: int, level: str) -> Certificate | None:
    """The person's certificate of this level that is not revoked or superseded, if any."""
    return session.scalar(
        select(Certificate)
        .where(
            Certificate.user_id == user_id,
            Certificate.level == level,
            Certificate.status == CertificateStatus.VALID,
        )
        .order_by(Certificate.id.desc())
    )


def issue_for_attempt(
    session: Session, attempt: Attempt, settings: CertSettings, now: datetime
) -> Certificate | None:
    """Issue the certificate a passed certification attempt earns (None when the exam issues
    none). Once per attempt: a second call returns the certificate already issued."""
    exam = attempt.exam
    if not attempt.passed or exam.mode != ExamMode.CERTIFICATION or not exam.certificate_months:
        return None
    existing = session.scalar(
        select(Certificate).where(
            Certificate.attempt_id == attempt.id, Certificate.status != CertificateStatus.REVOKED
        )
    )
    if existing is not None:
        return existing
    user = session.get(User, attempt.user_id)
    assert user is not None
    level = exam.level or Level.INTERMEDIATE.value
    passed_on = (attempt.submitted_at or now).astimezone(DISPLAY_TZ).date()
    previous = current_certificate(session, user.id, level)
    dates = rules.validity(
        passed_on,
        exam.certificate_months,
        exam.renewal_window_days,
        previous.expires_on if previous is not None and previous.expires_on >= passed_on else None,
    )
    earned = Earned(
        exam.certificate_title,
        level,
        exam.id,
        exam.title,
        attempt.id,
        float(attempt.percent or 0.0),
    )
    cert = _new_certificate(session, settings, now, user, earned, dates)
    if previous is not None:
        _supersede(session, previous, cert, now)
    audit.record(
        session,
        None,
        "certificate.issue",
        f"certificate:{cert.id}",
        attempt=attempt.id,
        number=cert.number,
    )
    return cert


@dataclass(frozen=True)
class Earned:
    """What a pass earned: carried unchanged into a reissued copy."""

    title: str
    level: str
    exam_id: int
    exam_title: str
    attempt_id: int
    score_percent: float

    @classmethod
    def of(cls, cert: Certificate) -> Earned:
        return cls(
            cert.title,
            cert.level,
            cert.exam_id,
            cert.exam_title,
            cert.attempt_id,
            cert.score_percent,
        )


def _new_certificate(
    session: Session,
    settings: CertSettings,
    now: datetime,
    user: User,
    earned: Earned,
    dates: rules.Validity,
) -> Certificate:
    year = now.astimezone(DISPLAY_TZ).year
    cert = Certificate(
        number=rules.format_number(year, _next_in(session, year)),
        verification_code=rules.new_code(),
        user_id=user.id,
        holder_name=user.name,
        holder_employee_no=user.employee_no,
        holder_unit=user.org_unit.path if user.org_unit else "",
        holder_unit_id=user.org_unit_id,
        title=earned.title,
        level=earned.level,
        level_name=_level_name(earned.level),
        exam_id=earned.exam_id,
        exam_title=earned.exam_title,
        attempt_id=earned.attempt_id,
        score_percent=earned.score_percent,
        issued_at=now,
        valid_from=dates.valid_from,
        expires_on=dates.expires_on,
        status_index=_next_in(session, _STATUS_INDEX_ROW) - 1,
        credential_jwt="",
    )
    the_issuer = issuer(session, settings)
    cert.credential_jwt = signing.sign(
        credential.jwt_claims(
            credential.open_badge(printed(cert, settings, the_issuer.name), _links(cert, settings))
        ),
        signing_key(session, settings),
    )
    session.add(cert)
    session.flush()
    render_stored(session, cert, settings)
    return cert


def printed(cert: Certificate, settings: CertSettings, issuer_name: str) -> rules.Printed:
    return rules.Printed(
        number=cert.number,
        holder_name=cert.holder_name,
        holder_employee_no=cert.holder_employee_no,
        holder_unit=cert.holder_unit,
        title=cert.title,
        level_name=cert.level_name,
        exam_title=cert.exam_title,
        score_percent=cert.score_percent,
        issued_at=cert.issued_at,
        valid_from=cert.valid_from,
        expires_on=cert.expires_on,
        verify_url=settings.verify_url(cert.number, cert.verification_code),
        issuer_name=issuer_name,
    )


def _links(cert: Certificate, settings: CertSettings) -> credential.Links:
    return credential.Links(
        issuer_id=settings.issuer_id,
        achievement_id=f"{settings.base_url}/certificates/achievements/{cert.level}",
        status_list_url=settings.status_list_url,
        status_index=cert.status_index,
    )


def render_stored(session: Session, cert: Certificate, settings: CertSettings) -> bool:
    """Render and store the PDF once. Without a Chinese font the certificate stays issued with
    no PDF (never one printing boxes); ``flask certs render-pending`` renders it later. So
    does a session that defers rendering (``DEFER_RENDERING``)."""
    if cert.pdf_sha256 is not None:
        return True
    if session.info.get(DEFER_RENDERING):
        return False
    the_issuer = issuer(session, settings)
    try:
        pdf = render.render_pdf(
            printed(cert, settings, the_issuer.name),
            rules.format_code(cert.verification_code),
            the_issuer.seal_png,
            cert.credential_jwt,
        )
    except render.NoCJKFont as exc:
        audit.record(
            session, None, "certificate.render_pending", f"certificate:{cert.id}", reason=str(exc)
        )
        return False
    cert.pdf = pdf
    cert.pdf_sha256 = _sha256(pdf)
    session.flush()
    return True


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _supersede(session: Session, old: Certificate, new: Certificate, now: datetime) -> None:
    old.status = CertificateStatus.SUPERSEDED
    old.superseded_at, old.superseded_by_id = now, new.id
    audit.record(session, None, "certificate.supersede", f"certificate:{old.id}", by=new.number)
    session.flush()


def revoke(
    session: Session, cert: Certificate, reason: str, actor_id: int | None, now: datetime
) -> None:
    """:raises DomainError: without a reason, or when it is already revoked"""
    if not reason.strip():
        raise DomainError(_("请填写撤销原因。"), field="reason")
    if cert.status == CertificateStatus.REVOKED:
        raise DomainError(_("该证书已撤销。"))
    cert.status = CertificateStatus.REVOKED
    cert.revoked_at, cert.revoked_reason, cert.revoked_by_id = now, reason.strip(), actor_id
    audit.record(
        session, actor_id, "certificate.revoke", f"certificate:{cert.id}", reason=reason.strip()
    )
    session.flush()


def reissue(
    session: Session,
    cert: Certificate,
    settings: CertSettings,
    actor_id: int,
    reason: str,
    now: datetime,
) -> Certificate:
    """A corrected copy (the holder's current name, 工号 and unit) under a new number; the
    old one says superseded. Dates, exam and score stay those of the original pass.

    :raises DomainError: without a reason, or for a revoked or superseded certificate
    """
    if not reason.strip():
        raise DomainError(_("请填写补发原因。"), field="reason")
    if cert.status != CertificateStatus.VALID:
        raise DomainError(_("只能补发有效的证书。"))
    new = _new_certificate(
        session,
        settings,
        now,
        cert.user,
        Earned.of(cert),
        rules.Validity(cert.valid_from, cert.expires_on),
    )
    _supersede(session, cert, new, now)
    audit.record(
        session,
        actor_id,
        "certificate.reissue",
        f"certificate:{new.id}",
        replaces=cert.number,
        reason=reason.strip(),
    )
    return new


#: Reasons recorded when a certificate follows a regrade (shown to verifiers).
def _regrade_reason() -> str:
    with force_locale("zh_CN"):
        return _("答案更正后重新评分，成绩不合格")


def _revert_reason() -> str:
    with force_locale("zh_CN"):
        return _("撤销了使其合格的重新评分")


def follow_grade(
    session: Session, event: AttemptGraded, settings_of: Callable[[], CertSettings]
) -> None:
    """Keep the attempt's certificate in step with its grade (the signal's subscriber).
    ``settings_of`` is asked only when the exam issues certificates at all."""
    attempt = session.get(Attempt, event.attempt_id)
    if attempt is None or not attempt.exam.certificate_months:
        return
    if attempt.exam.mode != ExamMode.CERTIFICATION:
        return
    settings = settings_of()
    newly_passed = event.passed and not event.was_passed
    newly_failed = event.was_passed and not event.passed
    if event.cause in (GradeCause.SUBMITTED, GradeCause.AUTO_SUBMITTED) or newly_passed:
        if event.cause == GradeCause.REGRADE_REVERTED and _restore(session, attempt.id, event.at):
            return
        issue_for_attempt(session, attempt, settings, event.at)
    elif newly_failed:
        held = session.scalar(
            select(Certificate).where(
                Certificate.attempt_id == attempt.id, Certificate.status == CertificateStatus.VALID
            )
        )
        if held is not None:
            reason = _regrade_reason() if event.cause == GradeCause.REGRADED else _revert_reason()
            revoke(session, held, reason, None, event.at)


def _restore(session: Session, attempt_id: int, now: datetime) -> bool:
    """A revert gives back the certificate its regrade revoked (unless a newer one replaced it)."""
    revoked = session.scalar(
        select(Certificate)
        .where(
            Certificate.attempt_id == attempt_id, Certificate.status == CertificateStatus.REVOKED
        )
        .order_by(Certificate.id.desc())
    )
    if revoked is None or revoked.revoked_reason != _regrade_reason():
        return False
    if current_certificate(session, revoked.user_id, revoked.level) not in (None, revoked):
        return False
    revoked.status = CertificateStatus.VALID
    revoked.revoked_at, revoked.revoked_reason, revoked.revoked_by_id = None, "", None
    audit.record(session, None, "certificate.restore", f"certificate:{revoked.id}")
    session.flush()
    return True


def certificates_of(session: Session, user_id: int) -> list[Certificate]:
    """A person's certificates, newest first (the history of every level)."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.id.desc())
        )
    )


def shown_status(cert: Certificate, on: date) -> str:
    return rules.shown_status(cert.status.value, cert.expires_on, on)
