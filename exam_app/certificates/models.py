"""Certificates: one row per certificate ever issued (never deleted), the yearly number counter,
the issuer's name and seal, the public signing keys, bundles of PDFs being zipped."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from exam_app.db import Base, EnumText, UTCDateTime, in_check, utcnow

if TYPE_CHECKING:
    from exam_app.accounts.models import User


class CertificateStatus(StrEnum):
    """The stored state; "expired" is not stored: it follows from the date (``status_on``)."""

    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class ShownStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


SHOWN_STATUS_LABELS = {
    ShownStatus.VALID: _l("有效"),
    ShownStatus.EXPIRED: _l("已过期"),
    ShownStatus.REVOKED: _l("已撤销"),
    ShownStatus.SUPERSEDED: _l("已被新证书取代"),
}


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (CheckConstraint(in_check("status", CertificateStatus), name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: readable and unique: year + sequence, e.g. 2026-000123
    number: Mapped[str] = mapped_column(String(20), unique=True)
    #: 80 random bits in Crockford base32, printed in groups (``codes.format_code``)
    verification_code: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the holder as printed, at the time of issue
    holder_name: Mapped[str] = mapped_column(String(100))
    holder_employee_no: Mapped[str] = mapped_column(String(32))
    holder_unit: Mapped[str] = mapped_column(String(500), default="")
    holder_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    title: Mapped[str] = mapped_column(String(100))  #: 用电客户受理员
    level: Mapped[str] = mapped_column(String(30), index=True)  #: bank Level code
    level_name: Mapped[str] = mapped_column(String(30))  #: 中级工, as printed
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    exam_title: Mapped[str] = mapped_column(String(200))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    score_percent: Mapped[float] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_from: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)  #: the last day it is valid
    status: Mapped[CertificateStatus] = mapped_column(
        EnumText(CertificateStatus), default=CertificateStatus.VALID
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    #: the signed Open Badges 3.0 credential (VC-JWT), also embedded in the PDF
    credential_jwt: Mapped[str] = mapped_column(Text)
    #: this certificate's bit in the revocation status list
    status_index: Mapped[int] = mapped_column(unique=True)
    #: rendered once at issue; a download is these bytes, forever
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id])


class CertificateCounter(Base):
    """The last sequence number used in a year (one row per year, taken under a row lock)."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Issuer(Base):
    """Who issues the certificates: the name printed and the seal image HR uploads (one row)."""

    __tablename__ = "certificate_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SigningKey(Base):
    """A public key credentials were signed with; kept after a rotation so old ones verify."""

    __tablename__ = "certificate_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)  #: RFC 7638 thumbprint
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BundleStatus(StrEnum):
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


class Bundle(Base):
    """A zip of certificate PDFs being built for HR; progress is read from here by any server."""

    __tablename__ = "certificate_bundles"
    __table_args__ = (CheckConstraint(in_check("status", BundleStatus), name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    certificate_ids: Mapped[list[int]] = mapped_column(JSON)
    done: Mapped[int] = mapped_column(default=0)
    status: Mapped[BundleStatus] = mapped_column(
        EnumText(BundleStatus), default=BundleStatus.BUILDING
    )
    error: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))


class LookupThrottle(Base):
    """Failed verification look-ups per source address, in the database so that every app
    server counts the same guesses."""

    __tablename__ = "certificate_lookup_throttles"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
