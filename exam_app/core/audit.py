"""Writing to the audit log (flush only; the caller's commit makes it permanent)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from exam_app.core.models import AuditEvent


def record(
    session: Session, actor_id: int | None, action: str, target: str = "", **detail: Any
) -> AuditEvent:
    event = AuditEvent(actor_id=actor_id, action=action, target=target, detail=detail)
    session.add(event)
    return event
