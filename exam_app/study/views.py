"""Study material: the regulations operators are examined on, by chapter and clause."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import Locked

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import any_user
from exam_app.db import get_session, utcnow
from exam_app.study import gate, library
from exam_app.study.regulations import search_clauses

bp = Blueprint("study", __name__, url_prefix="/study")


def _folder() -> str:
    return current_app.config["REGULATIONS_DIR"]


def _ensure_open() -> None:
    """Closed (423) while another domain says so: during a certification attempt."""
    try:
        gate.ensure_open(get_session(), current_user.id, utcnow())
    except gate.StudyClosed as exc:
        raise Locked(exc.message) from None


@bp.route("/")
@any_user
def index() -> ResponseReturnValue:
    _ensure_open()
    regulations = library.regulations(_folder())
    q = request.args.get("q", "").strip()[:100]
    hits = search_clauses(regulations, q)[:200] if q else []
    return render_template(
        "study/index.html", regulations=regulations, q=q, hits=hits, slug=library.slug
    )


@bp.route("/<name>")
@any_user
def show(name: str) -> ResponseReturnValue:
    """A regulation, clause by clause. Trainers see which items cite each clause (links into
    the bank); everyone else only how many items practice may show cite it."""
    _ensure_open()
    regulation = library.by_slug(_folder(), name)
    if regulation is None:
        abort(404)
    show_items = current_user.has_role(Role.TRAINER, Role.ADMIN)
    cited = library.items_by_clause(get_session(), regulation, practice_only=not show_items)
    return render_template(
        "study/show.html", regulation=regulation, cited=cited, show_items=show_items
    )
