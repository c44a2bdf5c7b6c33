"""Certificates: issued when a certification exam is passed, a PDF and a signed Open Badges 3.0
credential that anyone can verify; revoked or reissued by HR; kept in step with regrades.

Subscribes to the exams' ``attempt_graded`` signal (exams never imports this package).
"""

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from exam_app.certificates import jobs, register_views, views
from exam_app.certificates.cli import cli
from exam_app.certificates.issuing import CertSettings, follow_grade
from exam_app.certificates.models import SHOWN_STATUS_LABELS
from exam_app.exams.events import AttemptGraded, attempt_graded


def _on_attempt_graded(sender: Session, event: AttemptGraded, **_extra: Any) -> None:
    follow_grade(sender, event, lambda: CertSettings.from_config(current_app.config))


attempt_graded.connect(_on_attempt_graded, weak=False)

bp = views.bp
VIEW_MODULES = (views, register_views)
TEMPLATE_GLOBALS: dict[str, object] = {"CERT_STATUS_LABELS": SHOWN_STATUS_LABELS}

#: Scheduled jobs this domain registers (``core.jobs``).
JOBS = tuple(j for j in jobs.jobs.registered() if j.name.startswith("certificates."))

__all__ = ["JOBS", "TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
