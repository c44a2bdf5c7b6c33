"""Certificates' scheduled work (``core.jobs``): PDFs still to render, a batch a minute.

A certificate is issued at once, with its PDF rendered then; it waits without one when no
Chinese font is installed, or when a bulk run deferred rendering (the demo history's hundreds
of passes). This job renders the waiting ones in the background, so they never wait for
someone to run ``flask certs render-pending``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.certificates import issuing, render
from exam_app.certificates.models import Certificate
from exam_app.core import jobs

#: PDFs per run: about 0.15 s each, so a run stays well inside its minute
BATCH = 100


def render_waiting(session: Session, now: datetime) -> str:
    if not render.installed_cjk_fonts():
        return "no Chinese font installed: certificates wait for one"
    waiting = session.scalars(
        select(Certificate)
        .where(Certificate.pdf_sha256.is_(None))
        .order_by(Certificate.id)
        .limit(BATCH)
    ).all()
    settings = issuing.CertSettings.from_config(current_app.config)
    rendered = sum(issuing.render_stored(session, cert, settings) for cert in waiting)
    return f"rendered {rendered} of {len(waiting)} waiting certificate PDF(s)"


jobs.register(jobs.Job("certificates.render_pending", timedelta(minutes=1), render_waiting))
