"""Training requirements and compliance: who must hold what, who does, who is due, on any date.

The pure rules (``rules.py``), the models, people's dated history (``history.py``), compliance
read from the stored facts (``compliance.py``), and HR's board over them (``board.py``,
``views.py``), a person's page (``people_views.py``), reminders (``reminders.py``, run hourly
by ``jobs.py``), the in-app notices (``notices_views.py``), everyone's status as dated spans
(``timeline.py``, ``spans.py``: rebuilt when facts change, on a flush of a fact and on
``exams.events.attempt_graded``), the twelve-month trend (``trend.py``), a person's
performance (``progress.py``, pure; ``performance.py``; ``performance_views.py``), and the
certifications a person's requirements call for, offered first on the exams page
(``offers.py``). Importing the package subscribes to ``accounts.events.person_changed``
(``subscribers.py``: the roster import and the admin's user page start tracking and date moves).
"""

from exam_app.tracking import (
    jobs,
    notices_views,
    offers,
    people_views,
    performance_views,
    subscribers,
    views,
)
from exam_app.tracking.labels import CAUSE_LABELS, STATE_LABELS

bp = views.bp
cli = None
VIEW_MODULES = (views, people_views, notices_views, performance_views)
TEMPLATE_GLOBALS: dict[str, object] = {
    "TRACKING_STATE_LABELS": STATE_LABELS,
    "TRACKING_CAUSE_LABELS": CAUSE_LABELS,
    #: ``unread_notices()``: the signed-in user's unread count (one COUNT, for the top bar)
    "unread_notices": notices_views.unread_notices,
}
SUBSCRIBERS = (subscribers.follow_person,)
OFFERS = (offers.requirement_needs,)

#: Scheduled jobs this domain registers (``core.jobs``): reminders, status spans.
JOBS = tuple(j for j in jobs.jobs.registered() if j.name.startswith("tracking."))

__all__ = ["JOBS", "OFFERS", "SUBSCRIBERS", "TEMPLATE_GLOBALS", "VIEW_MODULES", "bp", "cli"]
