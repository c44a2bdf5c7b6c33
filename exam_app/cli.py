"""Command-line tools: ``flask --app wsgi db|users|demo ...``; each calls services, commits once."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from alembic import command
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from exam_app import demo, migrate
from exam_app.accounts import roster, services
from exam_app.accounts.models import Role
from exam_app.accounts.views import password_policy
from exam_app.bank.cli import bank_cli
from exam_app.db import get_engine, get_session, utcnow
from exam_app.errors import DomainError
from exam_app.exams.cli import exams_cli

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
users_cli = AppGroup("users", help="Accounts.")
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


@users_cli.command("create-admin")
@click.argument("employee_no")
@click.option("--name", default="系统管理员")
@click.password_option()
def create_admin(employee_no: str, name: str, password: str) -> None:
    """Create an administrator account."""
    session = get_session()
    try:
        services.create_user(
            session,
            employee_no=employee_no,
            name=name,
            roles=[Role.ADMIN],
            password=password,
            policy=password_policy(),
            now=utcnow(),
            must_change_password=False,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(f"created admin {employee_no}")


@users_cli.command("import-roster")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; change nothing.")
def import_roster(path: Path, dry_run: bool) -> None:
    """Import a roster (工号, 姓名, 单位, 岗位, 角色): all rows or none."""
    session = get_session()
    plan = roster.plan_roster(session, roster.read_roster(path.read_bytes(), path.name))
    for p in plan.problems:
        click.echo(f"{path.name}:{p.row}: {p.field}: {p.message}", err=True)
    if not plan.ok:
        raise click.ClickException(f"{len(plan.problems)} problem(s); nothing imported")
    actions = list(plan.actions.values())
    summary = {a: actions.count(a) for a in ("create", "update", "unchanged")}
    if dry_run:
        click.echo(f"dry run: {summary}")
        return
    created = roster.apply_roster(session, plan, password_policy(), utcnow(), actor_id=None)
    session.commit()
    click.echo(f"imported: {summary}")
    for acc in created:
        click.echo(f"{acc.employee_no}\t{acc.name}\t{acc.temporary_password}")


@demo_cli.command("load")
def demo_load() -> None:
    """Create the demo org tree and one account per role, and print them."""
    if not current_app.config["ALLOW_DEMO_DATA"]:
        click.echo("refused: demo accounts are never created in production", err=True)
        sys.exit(1)
    session = get_session()
    accounts = demo.load_demo(session, password_policy(), utcnow())
    exams = demo.load_demo_exams(session, utcnow())
    session.commit()
    if exams:
        click.echo("Demo exams: " + "、".join(exams))
    click.echo("Demo accounts (工号 / 密码 / 角色):")
    for acc in accounts:
        click.echo(f"  {acc.employee_no:<8} {acc.password:<12} {acc.roles}")


def register(app: Flask) -> None:
    for group in (db_cli, users_cli, demo_cli, bank_cli, exams_cli):
        app.cli.add_command(group)
    for group in (users_cli, demo_cli, bank_cli, exams_cli):
        for command_ in group.commands.values():
            if command_.callback is not None and not hasattr(command_.callback, "schema_checked"):
                command_.callback = _schema_required(command_.callback)


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
