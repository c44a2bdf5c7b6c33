"""``flask --app wsgi certs verify FILE [--json]`` and ``certs render-pending``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from exam_app.certificates import issuing, verifying
from exam_app.certificates.models import Certificate
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ

cli = AppGroup("certs", help="Certificates: verify a file, render PDFs that are pending.")


@cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
def verify_command(path: Path, as_json: bool) -> None:
    """Check a certificate PDF or credential: the signature against this installation's public
    keys, its validity dates, and its status where this database holds it. Exit 0 only when
    valid."""
    session = get_session()
    settings = issuing.CertSettings.from_config(current_app.config)
    try:
        token = verifying.token_from_file(path.read_bytes())
    except DomainError as exc:
        raise click.ClickException(f"{path}: {exc.message}") from exc
    today = utcnow().astimezone(DISPLAY_TZ).date()
    verdict = verifying.verify_token(
        session, token, verifying.jwks(session, settings)["keys"], today
    )
    session.commit()
    if as_json:
        click.echo(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    else:
        facts = verdict.as_dict()
        click.echo(f"{path}: {'valid' if verdict.valid else 'NOT VALID'}")
        click.echo(f"  signature: {facts['signature']}; status: {facts['status']}")
        for key in ("number", "holder", "achievement", "validFrom", "validUntil"):
            click.echo(f"  {key}: {facts[key]}")
        for problem in verdict.problems:
            click.echo(f"  problem: {problem}")
    sys.exit(0 if verdict.valid else 1)


@cli.command("render-pending")
def render_pending_command() -> None:
    """Render the PDFs of certificates issued while no Chinese font was installed."""
    session = get_session()
    settings = issuing.CertSettings.from_config(current_app.config)
    pending = session.scalars(select(Certificate).where(Certificate.pdf_sha256.is_(None))).all()
    rendered = sum(issuing.render_stored(session, cert, settings) for cert in pending)
    session.commit()
    click.echo(f"rendered {rendered} of {len(pending)} pending certificate(s)")
