"""``flask --app wsgi users create-admin|import-roster``: accounts from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from exam_app.accounts import roster, services
from exam_app.accounts.models import Role
from exam_app.accounts.policy import password_policy
from exam_app.db import get_session, utcnow
from exam_app.errors import DomainError

cli = AppGroup("users", help="Accounts.")


@cli.command("create-admin")
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
            policy=password_policy(current_app.config),
            now=utcnow(),
            must_change_password=False,
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(f"created admin {employee_no}")


@cli.command("import-roster")
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
    created = roster.apply_roster(
        session, plan, password_policy(current_app.config), utcnow(), actor_id=None
    )
    session.commit()
    click.echo(f"imported: {summary}")
    for acc in created:
        click.echo(f"{acc.employee_no}\t{acc.name}\t{acc.temporary_password}")
