"""Audit events and staged uploads, shared by every domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exam_app.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Who did what to whom: account changes, imports, grants. Append-only."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50))  # e.g. "user.reset_password"
    target: Mapped[str] = mapped_column(String(100), default="")  # e.g. "user:42"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StagedUpload(Base):
    """A file checked in a dry run and kept until its owner confirms (or abandons) the import.

    It lives in the database so that the confirming request may reach any app server.
    """

    __tablename__ = "staged_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # "roster", "bank"
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JobRun(Base):
    """One row per scheduled job (``core.jobs``): when it is next due, who holds its lease and
    until when, and how its last run went. Shared by every app server: the lease is taken with
    one conditional UPDATE, so a run happens once however many processes tick."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_holder: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_ok: Mapped[bool | None] = mapped_column()
    last_result: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
