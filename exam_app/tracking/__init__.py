"""Training requirements and compliance: who must hold what, who does, who is due, on any date.

So far only the pure rules (``rules.py``); the models, services, pages and the subscription
to ``exams.events.attempt_graded`` come next, when the package joins ``DOMAINS``.
"""
