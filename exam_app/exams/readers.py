"""Who reads a candidate's results besides the candidate: HR and administrators, everyone's
(issue 17.10). Supervisors see their team's standing on the tracking pages, not the papers.
The exams' views enforce it; the performance page (tracking) links to results by it."""

from __future__ import annotations

from exam_app.accounts.models import Role

RESULT_READERS = (Role.HR, Role.ADMIN)
