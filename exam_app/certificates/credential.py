"""The Open Badges 3.0 ``OpenBadgeCredential`` (W3C Verifiable Credentials 2.0 data model) of a
certificate, and the W3C Bitstring Status List that publishes revocations. Pure: plain values in,
JSON-ready dicts out."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from exam_app.certificates.rules import Printed

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: The spec's minimum list length (16 KB of bits), so a list does not reveal how few it holds.
STATUS_LIST_BITS = 131_072


@dataclass(frozen=True)
class Links:
    """Where the credential's issuer, achievement and status list are published."""

    issuer_id: str  #: the issuer profile URL
    achievement_id: str
    status_list_url: str
    status_index: int


def _instant(day: date) -> str:
    return datetime.combine(day, time(0), UTC).isoformat().replace("+00:00", "Z")


def open_badge(facts: Printed, links: Links) -> dict[str, Any]:
    """The unsigned credential. ``validUntil`` is the instant after the last valid day (UTC)."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{facts.title} {facts.level_name}",
        "issuer": {"id": links.issuer_id, "type": ["Profile"], "name": facts.issuer_name},
        "validFrom": _instant(facts.valid_from),
        "validUntil": _instant(facts.expires_on + timedelta(days=1)),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": facts.holder_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "identityHash": facts.holder_employee_no,
                    "hashed": False,
                }
            ],
            "achievement": {
                "id": links.achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": f"{facts.title} {facts.level_name}",
                "description": facts.exam_title,
                "criteria": {"narrative": f"{facts.exam_title}：成绩合格"},
            },
            "result": [{"type": ["Result"], "value": f"{facts.score_percent:.1f}%"}],
        },
        "credentialStatus": {
            "id": f"{links.status_list_url}#{links.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(links.status_index),
            "statusListCredential": links.status_list_url,
        },
        # Printed fields a verifier compares with the paper (not part of the OB vocabulary).
        "certificateNumber": facts.number,
        "holderUnit": facts.holder_unit,
        "issuedAt": facts.issued_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """VC-JOSE-COSE: the JWT payload is the credential; ``iss``/``jti`` help generic tools."""
    return {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"]}


def encode_status_list(revoked: Iterable[int], bits: int = STATUS_LIST_BITS) -> str:
    """The spec's ``encodedList``: multibase (``u``, base64url, no padding) of the GZIP of the
    bitstring, index 0 the most significant bit of the first byte."""
    data = bytearray(bits // 8)
    for index in revoked:
        if not 0 <= index < bits:
            raise ValueError(f"status index {index} outside the list of {bits}")
        data[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(data), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def is_set(encoded_list: str, index: int) -> bool:
    """Read one bit back (what a verifier holding the list does)."""
    raw = encoded_list[1:] if encoded_list.startswith("u") else encoded_list
    data = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    list_url: str, issuer_id: str, issuer_name: str, encoded: str, now: datetime
) -> dict[str, Any]:
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id, "name": issuer_name},
        "validFrom": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }


def enveloped(token: str) -> dict[str, Any]:
    """The JSON a wallet takes: VC 2.0's EnvelopedVerifiableCredential around the VC-JWT."""
    return {
        "@context": [VC_CONTEXT],
        "id": f"data:application/vc+jwt,{token}",
        "type": "EnvelopedVerifiableCredential",
    }


def token_from_envelope(document: dict[str, Any]) -> str | None:
    ident = document.get("id", "")
    prefix = "data:application/vc+jwt,"
    return ident[len(prefix) :] if isinstance(ident, str) and ident.startswith(prefix) else None
