"""Study material: the regulations operators are examined on, by chapter and clause."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import any_user
from exam_app.db import get_session
from exam_app.study import library
from exam_app.study.regulations import search_clauses

bp = Blueprint("study", __name__, url_prefix="/study")


def _folder() -> str:
    return current_app.config["REGULATIONS_DIR"]


@bp.route("/")
@any_user
def index() -> ResponseReturnValue:
    regulations = library.regulations(_folder())
    q = request.args.get("q", "").strip()[:100]
    hits = search_clauses(regulations, q)[:200] if q else []
    return render_template(
        "study/index.html", regulations=regulations, q=q, hits=hits, slug=library.slug
    )


@bp.route("/<name>")
@any_user
def show(name: str) -> ResponseReturnValue:
    regulation = library.by_slug(_folder(), name)
    if regulation is None:
        abort(404)
    cited = library.items_by_clause(get_session(), regulation)
    return render_template(
        "study/show.html",
        regulation=regulation,
        cited=cited,
        show_items=current_user.has_role(Role.TRAINER, Role.ADMIN),
    )
