"""``flask --app wsgi bank import|export|load-shipped``: the bank from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from exam_app.accounts.services import find_user
from exam_app.bank import importing, shipped
from exam_app.bank.exporters import EXPORTERS, export_items
from exam_app.bank.importers import FORMATS, read_file
from exam_app.bank.parsed import ParseResult
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError

cli = AppGroup("bank", help="Question bank: import, export, load the shipped bank.")


def _report_json(result: ParseResult, batch_summary: dict[str, object] | None) -> str:
    return json.dumps(
        {
            "file": result.filename,
            "file_problems": result.file_problems,
            "items": [i.as_dict() for i in result.items],
            "skipped": [q.as_dict() for q in result.skipped],
            "summary": {**result.summary(), **(batch_summary or {})},
            "report": result.report.as_dict() if result.report else None,
        },
        ensure_ascii=False,
        indent=2,
    )


def _report_text(result: ParseResult) -> None:
    for problem in result.file_problems:
        click.echo(f"{result.filename}: {problem}", err=True)
    for item in result.items:
        for p in item.problems:
            click.echo(f"{result.filename}:{item.line}: [{p.code}] {p.message}", err=True)
    for q in result.skipped:
        click.echo(f"{result.filename}:{q.line}: [{q.code}] {q.message}", err=True)
    if result.report is not None:
        for message in result.report.messages:
            click.echo(f"{result.filename}: {message}", err=True)
        for unread in result.report.unread:
            click.echo(f"{result.filename}:{unread.line}: [unread] {unread.text}", err=True)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be imported; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--review", is_flag=True, help="Send complete items to review (a trainer approves them)."
)
@click.option(
    "--publish",
    is_flag=True,
    help="Publish complete items with no second review: an exception, recorded in the audit "
    "log; needs --by and --reason.",
)
@click.option("--by", "granted_by", metavar="工号", help="With --publish: the administrator.")
@click.option("--reason", help="With --publish: why these items need no review.")
@click.option("--level", help="Level for items whose source names none, e.g. 中级工.")
@click.option("--category", help="Category (name or path) for items that carry none.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: detected.")
def import_command(
    path: Path,
    dry_run: bool,
    as_json: bool,
    review: bool,
    publish: bool,
    granted_by: str | None,
    reason: str | None,
    level: str | None,
    category: str | None,
    fmt: str | None,
) -> None:
    """Import a question file (exam document .txt/.docx, .xlsx/.csv, GIFT, Aiken, Moodle XML).

    All items or none; duplicates are skipped, so importing a file twice changes nothing.
    Complete items are kept as drafts, sent to review (--review), or, as an exception an
    administrator states and the audit log records, published at once (--publish --by --reason).
    """
    session = get_session()
    exception = _publish_exception(session, publish, review, granted_by, reason)
    data = path.read_bytes()
    result = importing.check_against_bank(session, read_file(data, path.name, fmt))
    summary = None
    if not dry_run and not result.file_problems:
        options = importing.ImportOptions(
            review=review, publish=exception, level=level, category=category
        )
        try:
            batch = importing.import_result(
                session, result, options, data=data, user_id=None, now=utcnow()
            )
        except DomainError as exc:
            session.rollback()
            raise click.ClickException(exc.message) from exc
        session.commit()
        summary = batch.summary
    if as_json:
        click.echo(_report_json(result, summary))
    else:
        _report_text(result)
        click.echo(
            json.dumps(
                {**result.summary(), **(summary or {}), "dry_run": dry_run}, ensure_ascii=False
            )
        )
    if result.file_problems:
        raise SystemExit(1)


def _publish_exception(
    session: Session, publish: bool, review: bool, granted_by: str | None, reason: str | None
) -> importing.PublishException | None:
    if not publish:
        if granted_by or reason:
            raise click.UsageError("--by and --reason go with --publish")
        return None
    if review:
        raise click.UsageError("--publish and --review exclude each other")
    if not granted_by or not (reason or "").strip():
        raise click.UsageError(
            "--publish skips the second trainer's review: name the administrator who allows it "
            "(--by 工号) and why (--reason)"
        )
    user = find_user(session, granted_by)
    if user is None:
        raise click.UsageError(f"--by {granted_by}: no such user")
    exception = importing.PublishException(reason=reason or "", source="cli", granted_by_id=user.id)
    try:
        importing.check_publish_exception(session, exception)
    except DomainError as exc:
        raise click.UsageError(f"--by {granted_by}: {exc.message}") from exc
    return exception


@cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_command(path: Path) -> None:
    """Write every item's current version to PATH (.xlsx .csv .gift .xml .aiken).

    Items the format cannot hold (no key for GIFT or Moodle XML, not single choice for Aiken)
    are left out and listed with their id and the reason."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in EXPORTERS:
        raise click.ClickException(f"export to one of: {', '.join('.' + e for e in EXPORTERS)}")
    exported = export_items(shipped.export_rows(get_session()), fmt)
    path.write_bytes(exported.body)
    click.echo(f"exported {exported.written} of {exported.total} items to {path}")
    if exported.left_out:
        click.echo(f"left out {len(exported.left_out)} items the format cannot hold:")
        for left in exported.left_out:
            click.echo(f"  #{left.item_id}: {left.reason}")
    if exported.notes:
        click.echo(f"written, but mind {len(exported.notes)} items:")
        for note in exported.notes:
            click.echo(f"  #{note.item_id}: {note.reason}")


@cli.command("load-shipped")
def load_shipped_command() -> None:
    """Load question_bank/ (categories and items); running it again changes nothing."""
    session = get_session()
    try:
        summary = shipped.load(session, Path(current_app.config["QUESTION_BANK_DIR"]), now=utcnow())
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(json.dumps(summary, ensure_ascii=False))
