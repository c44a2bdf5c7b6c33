"""Statistics pages: for HR, admin and trainers (supervisors for their own units); never for
operators. Views only read figures the job has already computed."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")
