"""A small published bank and exam builders for the exam tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from exam_app.bank import importing
from exam_app.bank.importers import read_file
from exam_app.db import utcnow
from exam_app.exams.definitions import publish_exam
from exam_app.exams.models import Exam, ExamMode, ExamRule


def _bank_text() -> str:
    lines = ["用电客户受理员-中级工练习题", "一、单选题"]
    for n in range(1, 13):
        lines.append(f"{n}.单选第{n}题的题干（ ）。")
        lines.append(f"A、甲{n}B、乙{n}C、丙{n}D、丁{n}正确答案:B")
        lines.append(f"解析：单选解析秘文{n}")
    lines.append("二、多选题")
    for n in range(1, 7):
        lines.append(f"{n}.多选第{n}题的题干（ ）。")
        lines.append(f"A、子{n}B、丑{n}C、寅{n}D、卯{n}正确答案:AC")
        lines.append(f"解析：多选解析秘文{n}")
    lines.append("三、判断题")
    for n in range(1, 7):
        lines.append(f"{n}.判断第{n}题的说法。")
        lines.append("正确答案:对" if n % 2 else "正确答案:错")
        lines.append(f"解析：判断解析秘文{n}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def bank(db_session: Session) -> None:
    data = _bank_text().encode()
    batch = importing.import_result(
        db_session,
        read_file(data, "bank.txt"),
        importing.ImportOptions(publish=True),
        data=data,
        user_id=None,
        now=utcnow(),
    )
    assert batch.summary["created"] == 24
    db_session.commit()


@pytest.fixture
def make_exam(db_session: Session, bank: None) -> Callable[..., Exam]:
    def make(
        mode: ExamMode = ExamMode.CERTIFICATION,
        counts: tuple[int, int, int] = (4, 2, 2),
        **settings: object,
    ) -> Exam:
        exam = Exam(
            title=f"测试考试{mode}",
            mode=mode.value,
            level="intermediate",
            duration_minutes=30,
            points_single=1,
            points_multiple=2,
            points_judge=1,
        )
        if mode is ExamMode.CERTIFICATION:
            exam.opens_at = utcnow() - timedelta(hours=1)
            exam.closes_at = utcnow() + timedelta(days=1)
        for key, value in settings.items():
            setattr(exam, key, value)
        exam.rules = [
            ExamRule(position=n, count=c, type=t)
            for n, (t, c) in enumerate(zip(("single", "multiple", "judge"), counts, strict=True), 1)
        ]
        db_session.add(exam)
        db_session.flush()
        publish_exam(db_session, exam, None)
        db_session.commit()
        return exam

    return make
