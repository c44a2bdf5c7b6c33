"""Pure rules of certificates: numbers, verification codes, validity dates and status on a date.

Nothing here reads the clock or the database: ``on`` / ``now`` and the random source are passed
in, so every rule is tested with literal dates.
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

#: Crockford's base32: no I, L, O or U, so a code read off paper is typed right.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = {"O": "0", "I": "1", "L": "1"}
#: 16 symbols x 5 bits = 80 random bits (the issue asks for at least 64)
CODE_SYMBOLS = 16
GROUP = 4


def format_number(year: int, sequence: int) -> str:
    """``2026-000123``: the year it was issued and its place in that year."""
    return f"{year}-{sequence:06d}"


def new_code(randbits: int | None = None) -> str:
    """A fresh verification code (80 random bits unless ``randbits`` is given, for tests)."""
    bits = secrets.randbits(CODE_SYMBOLS * 5) if randbits is None else randbits
    symbols = []
    for _ in range(CODE_SYMBOLS):
        symbols.append(_ALPHABET[bits & 31])
        bits >>= 5
    return "".join(reversed(symbols))


def format_code(code: str) -> str:
    """``K7QX-3M9D-RT2P-8WZA``: groups of four, easy to read out and type."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalize_code(typed: str) -> str:
    """What a person typed, as stored: no spaces or dashes, upper case, O read as 0, I/L as 1."""
    cleaned = "".join(ch for ch in typed.upper() if ch not in " -\t")
    return "".join(_READ_AS.get(ch, ch) for ch in cleaned)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Validity:
    valid_from: date
    expires_on: date  #: the last day it is valid


def validity(
    passed_on: date,
    months: int,
    renewal_window_days: int,
    previous_expires_on: date | None,
) -> Validity:
    """A new certificate's dates. It runs ``months`` from the pass; a renewal passed inside the
    window before the previous certificate expires runs from that expiry instead, so renewing
    early loses no time. (A pass after expiry, or long before the window, starts afresh.)"""
    if months <= 0:
        raise ValueError(f"months must be positive, got {months}")
    start = passed_on
    if previous_expires_on is not None:
        window_opens = previous_expires_on - timedelta(days=renewal_window_days)
        if window_opens <= passed_on <= previous_expires_on:
            start = previous_expires_on + timedelta(days=1)
    return Validity(passed_on, add_months(start, months) - timedelta(days=1))


def shown_status(stored: str, expires_on: date, on: date) -> str:
    """What a verifier is told on ``on``: revoked and superseded win; else valid or expired."""
    if stored != "valid":
        return stored
    return "valid" if on <= expires_on else "expired"


@dataclass(frozen=True)
class Printed:
    """What a certificate states: printed on the PDF, signed into the credential, shown by
    the verification page."""

    number: str
    holder_name: str
    holder_employee_no: str
    holder_unit: str
    title: str
    level_name: str
    exam_title: str
    score_percent: float
    issued_at: datetime
    valid_from: date
    expires_on: date
    verify_url: str
    issuer_name: str
