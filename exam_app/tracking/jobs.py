"""Tracking's scheduled work (``core.jobs``): reminders before and after deadlines, hourly."""

from __future__ import annotations

from exam_app.core import jobs
from exam_app.tracking.reminders import register_jobs

register_jobs(lambda name, run, every: jobs.register(jobs.Job(name, every, run)))
