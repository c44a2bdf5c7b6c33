"""Training requirements and compliance: who must hold what, who does, who is due, on any date.

The pure rules (``rules.py``), the models, people's dated history (``history.py``), compliance
read from the stored facts (``compliance.py``), and HR's board over them (``board.py``,
``views.py``), reminders (``reminders.py``, run hourly by ``jobs.py``), everyone's status as
dated spans (``timeline.py``, ``spans.py``), rebuilt when facts change: on a flush of a fact
and on ``exams.events.attempt_graded``, and a person's performance (``progress.py``, pure;
``performance.py``; ``performance_views.py``).
"""

from exam_app.tracking import jobs, offers, performance_views, views
from exam_app.tracking.labels import CAUSE_LABELS, STATE_LABELS

bp = views.bp
cli = None
VIEW_MODULES = (views, performance_views)
TEMPLATE_GLOBALS: dict[str, object] = {
    "TRACKING_STATE_LABELS": STATE_LABELS,
    "TRACKING_CAUSE_LABELS": CAUSE_LABELS,
}

#: Scheduled jobs this domain registers (``core.jobs``): reminders, status spans.
JOBS = tuple(j for j in jobs.jobs.registered() if j.name.startswith("tracking."))

__all__ = ["JOBS", "TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
