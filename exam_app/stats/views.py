"""Statistics pages: for HR, admin and trainers (supervisors for their own units); never for
operators. Views only read figures the job has already computed."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from exam_app.accounts.models import Role
from exam_app.accounts.permissions import allow
from exam_app.db import get_session
from exam_app.stats import reading

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.route("/")
@allow(Role.TRAINER, Role.HR, Role.ADMIN, Role.SUPERVISOR)
def index() -> ResponseReturnValue:
    """Every exam with figures, when they were computed and how many items they flag."""
    return render_template("stats/index.html", exams=reading.exams_with_figures(get_session()))
