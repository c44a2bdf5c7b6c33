"""Training requirements and compliance: who must hold what, who does, who is due, on any date.

So far the foundation: the pure rules (``rules.py``), the models, people's dated history
(``history.py``) and compliance read from the stored facts (``compliance.py``). The pages, the
subscription to ``exams.events.attempt_graded`` and joining ``DOMAINS`` come next.
"""
