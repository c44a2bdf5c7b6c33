"""HR's register of certificates: filtering, the Excel export, and zips of the PDFs."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, undefer

from exam_app.accounts.models import OrgUnit
from exam_app.certificates.issuing import shown_status
from exam_app.certificates.models import Bundle, BundleStatus, Certificate, CertificateStatus


@dataclass(frozen=True)
class Filters:
    unit_id: int | None = None  #: the unit and every unit below it (at the time of issue)
    level: str = ""
    status: str = ""  #: valid / expired / revoked / superseded
    expiring_within_days: int | None = None
    exam_id: int | None = None
    q: str = ""  #: name, 工号 or number


def subtree_ids(session: Session, unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    units = session.scalars(select(OrgUnit)).all()
    return [u.id for u in units if u.id == unit_id or any(a.id == unit_id for a in u.ancestors)]


def query(session: Session, filters: Filters, on: date) -> Select[Certificate]:
    stmt = select(Certificate)
    if filters.unit_id:
        stmt = stmt.where(Certificate.holder_unit_id.in_(subtree_ids(session, filters.unit_id)))
    if filters.level:
        stmt = stmt.where(Certificate.level == filters.level)
    if filters.exam_id:
        stmt = stmt.where(Certificate.exam_id == filters.exam_id)
    if filters.q:
        like = f"%{filters.q}%"
        stmt = stmt.where(
            or_(
                Certificate.holder_name.like(like),
                Certificate.holder_employee_no.like(like),
                Certificate.number.like(like),
            )
        )
    if filters.status == "valid":
        stmt = stmt.where(
            Certificate.status == CertificateStatus.VALID, Certificate.expires_on >= on
        )
    elif filters.status == "expired":
        stmt = stmt.where(
            Certificate.status == CertificateStatus.VALID, Certificate.expires_on < on
        )
    elif filters.status in ("revoked", "superseded"):
        stmt = stmt.where(Certificate.status == filters.status)
    if filters.expiring_within_days is not None:
        stmt = stmt.where(
            Certificate.status == CertificateStatus.VALID,
            Certificate.expires_on >= on,
            Certificate.expires_on <= on + timedelta(days=filters.expiring_within_days),
        )
    return stmt.order_by(Certificate.id.desc())


HEADERS = (
    "证书编号",
    "姓名",
    "工号",
    "单位",
    "证书",
    "等级",
    "考试",
    "成绩",
    "发证日期",
    "有效期至",
    "状态",
    "撤销原因",
)


def workbook(certs: list[Certificate], status_names: dict[str, str], on: date) -> bytes:
    """The register as an .xlsx: one row per certificate, the status as of ``on``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "证书"
    ws.append(HEADERS)
    for c in certs:
        ws.append(
            (
                c.number,
                c.holder_name,
                c.holder_employee_no,
                c.holder_unit,
                c.title,
                c.level_name,
                c.exam_title,
                c.score_percent,
                c.issued_at.date(),
                c.expires_on,
                status_names[shown_status(c, on)],
                c.revoked_reason,
            )
        )
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def start_bundle(
    session: Session, certificate_ids: list[int], actor_id: int, now: datetime
) -> Bundle:
    bundle = Bundle(requested_by_id=actor_id, requested_at=now, certificate_ids=certificate_ids)
    session.add(bundle)
    session.flush()
    return bundle


#: How many PDFs are read and zipped between two progress reports.
BUNDLE_STEP = 50


def build_bundle(session: Session, bundle: Bundle, report: Callable[[], None]) -> None:
    """Zip the stored PDFs (copies of the issued bytes; nothing is rendered again), setting
    ``done`` and calling ``report`` after every step so the caller can commit the progress
    for whichever app server the browser polls."""
    out = io.BytesIO()
    ids = list(bundle.certificate_ids)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
        for start in range(0, len(ids), BUNDLE_STEP):
            chunk = ids[start : start + BUNDLE_STEP]
            certs = session.scalars(
                select(Certificate)
                .where(Certificate.id.in_(chunk))
                .options(undefer(Certificate.pdf))
            )
            for cert in certs:
                if cert.pdf:
                    zf.writestr(f"{cert.number}_{cert.holder_employee_no}.pdf", cert.pdf)
            bundle.done = start + len(chunk)
            report()
    bundle.data, bundle.status = out.getvalue(), BundleStatus.READY
    report()
