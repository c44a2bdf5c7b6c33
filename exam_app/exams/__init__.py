"""Exams: blueprints (组卷规则), attempts, grading."""
