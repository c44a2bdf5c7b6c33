"""Tracking's scheduled work (``core.jobs``): reminders before and after deadlines (hourly),
stale status spans rebuilt (every minute) and all of them once a day."""

from __future__ import annotations

from datetime import timedelta

from exam_app.core import jobs
from exam_app.tracking import spans
from exam_app.tracking.reminders import register_jobs

#: a rebuild of 50,000 people's spans takes a minute or two: longer than the default lease
SPANS_LEASE = timedelta(minutes=30)

register_jobs(lambda name, run, every: jobs.register(jobs.Job(name, every, run)))
for name, run, every in spans.JOBS:
    jobs.register(jobs.Job(name, every, run, lease=SPANS_LEASE))
