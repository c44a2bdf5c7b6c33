"""Cohort statistics and item analysis (stub: the package face is wired in separately)."""
