"""Statistics' scheduled work (``core.jobs``): newly graded attempts folded into the default
figures every minute, then (a job and transaction of its own, so the default shows sooner)
into the other counting rules with the bank items pooled; every exam recomputed from its
sheets once a day (the safety net)."""

from __future__ import annotations

from datetime import timedelta

from exam_app.core import jobs
from exam_app.stats import refresh

#: a full recomputation of a 100,000-attempt exam takes seconds; many exams, minutes
LEASE = timedelta(minutes=30)

jobs.register(jobs.Job("stats.refresh", timedelta(minutes=1), refresh.apply_pending, lease=LEASE))
jobs.register(
    jobs.Job("stats.refresh_more", timedelta(minutes=1), refresh.apply_second_stage, lease=LEASE)
)
jobs.register(
    jobs.Job("stats.recompute_all", timedelta(days=1), refresh.recompute_all, lease=LEASE)
)
