"""Staged uploads: a file checked in a dry run, kept until its owner confirms the import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from exam_app.core.models import StagedUpload
from exam_app.errors import NotFound


def stage(
    session: Session,
    owner_id: int,
    kind: str,
    filename: str,
    data: bytes,
    now: datetime,
    options: dict[str, Any] | None = None,
) -> StagedUpload:
    upload = StagedUpload(
        owner_id=owner_id,
        kind=kind,
        filename=filename,
        data=data,
        options=options or {},
        created_at=now,
    )
    session.add(upload)
    session.flush()
    return upload


def take(session: Session, upload_id: int, owner_id: int, kind: str, now: datetime) -> StagedUpload:
    """The owner's unconsumed upload of that kind, marked consumed.

    :raises NotFound: for a missing, used, or someone else's upload (all look the same)
    """
    upload = _waiting(session, upload_id, owner_id, kind, lock=True)
    upload.consumed_at = now
    return upload


def peek(session: Session, upload_id: int, owner_id: int, kind: str) -> StagedUpload:
    """The owner's unconsumed upload of that kind, left waiting (to report on it again).

    :raises NotFound: as ``take``
    """
    return _waiting(session, upload_id, owner_id, kind, lock=False)


def _waiting(
    session: Session, upload_id: int, owner_id: int, kind: str, *, lock: bool
) -> StagedUpload:
    """The owner's unconsumed upload of that kind (locked for ``take``), else NotFound: a
    missing, used or someone else's upload all look the same."""
    upload = session.get(StagedUpload, upload_id, with_for_update=lock)
    if (
        upload is None
        or upload.owner_id != owner_id
        or upload.kind != kind
        or upload.consumed_at is not None
    ):
        raise NotFound("staged upload not found")
    return upload
