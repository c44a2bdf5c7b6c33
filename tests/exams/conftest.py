"""The small published bank of ``factories.load_bank`` and an exam builder for the exam tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from exam_app.exams.models import Exam, ExamMode
from tests import factories


@pytest.fixture
def bank(db_session: Session) -> None:
    factories.load_bank(db_session)


@pytest.fixture
def make_exam(db_session: Session, bank: None) -> Callable[..., Exam]:
    """``factories.make_exam`` in the test's session, once the bank is loaded."""

    def make(
        mode: ExamMode = ExamMode.CERTIFICATION,
        counts: tuple[int, int, int] = (4, 2, 2),
        **settings: object,
    ) -> Exam:
        return factories.make_exam(db_session, mode, counts, **settings)

    return make
