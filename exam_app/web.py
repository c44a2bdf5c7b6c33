"""What every view does around a service call: commit on success, roll back and say why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from sqlalchemy.orm import Session

from exam_app.errors import DomainError

T = TypeVar("T")


def run_service(
    session: Session,
    call: Callable[[], T],
    done: str | Callable[[T], str] | None = None,
    refused: str = "danger",
) -> T | None:
    """Run one service call as the request's transaction.

    On success: commit, flash ``done`` (a message, or one made from the result) and return
    the result. On a ``DomainError``: roll back, flash its message in the ``refused`` style and
    return None, so the view redirects or shows the page again.
    """
    try:
        result = call()
    except DomainError as exc:
        session.rollback()
        flash(exc.message, refused)
        return None
    session.commit()
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return result
