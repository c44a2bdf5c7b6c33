"""``flask --app wsgi exams sweep``: grade overdue attempts now (the scheduler already runs the
sweeper every minute, ``exams.jobs``)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from exam_app.db import get_session, utcnow
from exam_app.exams.attempts import close_overdue

cli = AppGroup("exams", help="Exams: the overdue-attempt sweeper.")


@cli.command("sweep")
def sweep_command() -> None:
    """Grade every attempt whose deadline (plus grace) has passed, from its saved answers."""
    session = get_session()
    count = close_overdue(session, utcnow())
    session.commit()
    click.echo(f"graded {count} overdue attempt(s)")
