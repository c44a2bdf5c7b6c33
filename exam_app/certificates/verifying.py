"""Verification, for anyone: a certificate by number and code (the QR code's link), a file a
verifier holds (the PDF, the wallet JSON or the bare VC-JWT), and the published revocation list.

What a verifier is told about a person is exactly what is printed on the certificate.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.certificates import credential, rules, signing
from exam_app.certificates.issuing import CertSettings, issuer, published_keys, signing_key
from exam_app.certificates.models import Certificate, CertificateStatus, LookupThrottle
from exam_app.errors import DomainError


class TooManyGuesses(DomainError):
    def __init__(self, until: datetime) -> None:
        super().__init__(_("查询失败次数过多，请稍后再试。"))
        self.until = until


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    window: timedelta


def lookup(
    session: Session, number: str, typed_code: str, address: str, limit: Throttle, now: datetime
) -> Certificate | None:
    """The certificate with this number and code, or None. Failures count per address in the
    database (all app servers see them); past the limit the address waits out the window, and
    a right guess then is refused too. A right look-up writes nothing.

    :raises TooManyGuesses:
    """
    row = session.get(LookupThrottle, address[:64])
    if row is not None and now - row.window_started_at > limit.window:
        row.failures, row.window_started_at = 0, now
    if row is not None and row.failures >= limit.max_failures:
        raise TooManyGuesses(row.window_started_at + limit.window)
    cert = session.scalar(select(Certificate).where(Certificate.number == number.strip()))
    if cert is not None and cert.verification_code == rules.normalize_code(typed_code):
        return cert
    if row is None:
        row = LookupThrottle(address=address[:64], failures=0, window_started_at=now)
        session.add(row)
    row.failures += 1
    session.flush()
    return None


@dataclass
class Verdict:
    """What a check of a credential found; ``valid`` only when every part holds."""

    signature_ok: bool = False
    status: str = "unknown"  #: valid / expired / revoked / superseded / not_yet_valid / unknown
    problems: list[str] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)
    certificate: Certificate | None = None

    @property
    def valid(self) -> bool:
        return self.signature_ok and self.status == "valid" and not self.problems

    def as_dict(self) -> dict[str, Any]:
        subject = self.claims.get("credentialSubject", {})
        return {
            "valid": self.valid,
            "signature": "ok" if self.signature_ok else "bad",
            "status": self.status,
            "problems": self.problems,
            "number": self.claims.get("certificateNumber"),
            "holder": subject.get("name"),
            "achievement": subject.get("achievement", {}).get("name"),
            "validFrom": self.claims.get("validFrom"),
            "validUntil": self.claims.get("validUntil"),
        }


def token_from_file(data: bytes) -> str:
    """The VC-JWT inside an uploaded PDF (its embedded file), wallet JSON, or bare token.

    :raises DomainError: when the file holds none
    """
    if data.startswith(b"%PDF"):
        try:
            attachments = PdfReader(io.BytesIO(data)).attachments
        except (PdfReadError, ValueError, KeyError) as exc:
            raise DomainError(_("无法读取该 PDF：%(e)s", e=str(exc))) from None
        for name, contents in attachments.items():
            if name.endswith(".jwt") and contents:
                return contents[0].decode("ascii", "replace").strip()
        raise DomainError(_("该 PDF 中没有内嵌的电子证书，不是本平台签发的证书文件。"))
    text = data.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            raise DomainError(_("JSON 文件格式错误。")) from None
        token = credential.token_from_envelope(document) if isinstance(document, dict) else None
        if token is None:
            raise DomainError(_("该 JSON 不是本平台签发的电子证书。"))
        return token
    if text.count(".") == 2:
        return text
    raise DomainError(_("请上传证书 PDF 或电子证书（JSON）文件。"))


def verify_token(
    session: Session | None, token: str, jwks: list[dict[str, Any]], on: date
) -> Verdict:
    """Signature against the published keys, the credential's own dates, and (when this
    installation's database holds the certificate) its status here."""
    verdict = Verdict()
    try:
        verdict.claims = signing.verify(token, jwks)
        verdict.signature_ok = True
    except signing.BadSignature as exc:
        verdict.problems.append(str(exc))
        return verdict
    valid_from = _day(verdict.claims.get("validFrom"))
    valid_until = _day(verdict.claims.get("validUntil"))
    if valid_from is None or valid_until is None:
        verdict.problems.append("validFrom/validUntil missing")
        return verdict
    verdict.status = (
        "not_yet_valid" if on < valid_from else "expired" if on >= valid_until else "valid"
    )
    if session is not None:
        cert = session.scalar(
            select(Certificate).where(Certificate.number == verdict.claims.get("certificateNumber"))
        )
        if cert is not None and cert.credential_jwt == token:
            verdict.certificate = cert
            if cert.status != CertificateStatus.VALID:
                verdict.status = cert.status.value
    return verdict


def _day(value: Any) -> date | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def status_list_jwt(session: Session, settings: CertSettings, now: datetime) -> str:
    """The signed Bitstring Status List: a set bit is a revoked certificate."""
    revoked = session.scalars(
        select(Certificate.status_index).where(Certificate.status == CertificateStatus.REVOKED)
    ).all()
    document = credential.status_list_credential(
        settings.status_list_url,
        settings.issuer_id,
        issuer(session, settings).name,
        credential.encode_status_list(revoked),
        now,
    )
    return signing.sign(credential.jwt_claims(document), signing_key(session, settings))


def jwks(session: Session, settings: CertSettings) -> dict[str, Any]:
    signing_key(session, settings)  # the current key is published before anyone needs it
    return {"keys": published_keys(session)}
