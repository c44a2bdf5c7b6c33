"""The app-wide commands (``flask --app wsgi db|demo ...``) and the registration of every
domain's own group; each command calls services and commits once."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from exam_app import demo, demo_history, migrate
from exam_app.accounts.policy import password_policy
from exam_app.db import get_engine, get_session, utcnow
from exam_app.errors import DomainError
from exam_app.stats import refresh
from exam_app.tracking import spans

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
demo_cli = AppGroup("demo", help="Demo data for trying the product (never in production).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrate.upgrade(get_engine(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(get_engine(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (review it before committing)."""
    command.revision(migrate.alembic_config(get_engine()), message=message, autogenerate=True)


@demo_cli.command("load")
def demo_load() -> None:
    """Create the demo org tree and one account per role, and print them."""
    if not current_app.config["ALLOW_DEMO_DATA"]:
        click.echo("refused: demo accounts are never created in production", err=True)
        sys.exit(1)
    session = get_session()
    accounts = demo.load_demo(session, password_policy(current_app.config), utcnow())
    exams = demo.load_demo_exams(session, utcnow())
    tracked = demo.load_demo_tracking(session, utcnow())
    session.commit()
    if tracked:
        spans.rebuild(session, utcnow())  # the board reads spans at once (the job would too)
    click.echo(f"Demo requirement: {demo.DEMO_REQUIREMENT}")
    if exams:
        click.echo("Demo exams: " + "、".join(exams))
    click.echo("Demo accounts (工号 / 密码 / 角色):")
    for acc in accounts:
        click.echo(f"  {acc.employee_no:<8} {acc.password:<12} {acc.roles}")


@demo_cli.command("history")
@click.option("--operators", default=300, show_default=True, type=click.IntRange(1, 5000))
@click.option("--seed", default=2026, show_default=True, help="The same seed, the same year.")
@click.option(
    "--now",
    "now_given",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="UTC; the year simulated is the twelve months before this month (default: today).",
)
def demo_history_command(operators: int, seed: int, now_given: datetime | None) -> None:
    """Simulate a year of exams for the demo: operators in eight 营业厅, their practice and
    certification attempts graded as in production, cohorts and a few bad items. Once: a
    second run says the history is there and changes nothing (``make run`` runs it on every
    start)."""
    if not current_app.config["ALLOW_DEMO_DATA"]:
        click.echo("refused: demo data is never created in production", err=True)
        sys.exit(1)
    session = get_session()
    try:
        done = demo_history.already_loaded(session)
        if done is not None:
            click.echo(
                f"Demo history already there ({done.operators} operators, "
                f"{done.attempts} attempts): nothing to do."
            )
            return
        began = time.perf_counter()
        now = now_given.replace(tzinfo=UTC) if now_given else utcnow()
        summary = demo_history.load_history(
            session, password_policy(current_app.config), now, operators, seed, session.commit
        )
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    session.commit()
    spans.rebuild(session, utcnow())  # the new requirement's spans, for the board at once
    click.echo(refresh.recompute_all(session, utcnow()))  # the statistics pages full at once
    session.commit()
    _echo_history(summary, time.perf_counter() - began)


def _echo_history(summary: demo_history.Summary, seconds: float) -> None:
    click.echo(
        f"Demo history: {summary.operators} operators, {summary.attempts} attempts "
        f"({summary.certification_attempts} certification, pass rate {summary.pass_rate:.0%}) "
        f"in {seconds:.1f} s"
    )
    click.echo(
        f"{summary.certification_passed} certificates issued; the server renders their PDFs "
        "in the background (100 a minute), or at once: flask --app wsgi certs render-pending"
    )
    click.echo("Bad items on purpose (item id: why):")
    for bad in summary.bad_items:
        label = f"（{bad.label}）" if bad.label else ""
        click.echo(f"  {bad.item_id}: {demo_history.REASONS[bad.reason]}{label}")


def register(app: Flask, domain_groups: Sequence[AppGroup]) -> None:
    """Add the app-wide groups and each domain's; every command that touches data checks first
    that the schema is migrated."""
    app.cli.add_command(db_cli)
    for group in (demo_cli, *domain_groups):
        app.cli.add_command(group)
        for command_ in group.commands.values():
            callback = command_.callback
            if callback is None or getattr(callback, "reads_no_database", False):
                continue  # e.g. ``stats item-analysis FILE``: runs before any schema exists
            if not hasattr(callback, "schema_checked"):
                command_.callback = _schema_required(callback)


def _schema_required(run: Callable[..., Any]) -> Callable[..., Any]:
    """Commands that read or write data say what to do on a database not yet migrated,
    instead of failing deep inside SQLAlchemy with "no such table". (Per command, not per
    group, so that ``--help`` works on any database.)"""

    @functools.wraps(run)
    @with_appcontext
    def checked(*args: Any, **kwargs: Any) -> Any:
        if migrate.pending(get_engine()):
            raise click.ClickException(
                _("数据库尚未迁移，请先运行 flask --app wsgi db upgrade（或 make run）。")
            )
        return run(*args, **kwargs)

    checked.schema_checked = True  # type: ignore[attr-defined]
    return checked
