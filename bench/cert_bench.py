"""Certificates: rendering speed and size, and zipping stored certificates for HR.

Run: .venv/bin/python bench/cert_bench.py [--count 200] [--zip 1000] [--database-url URL]
     .venv/bin/python bench/cert_bench.py --sample PATH

Prints the median seconds to render one certificate (PDF/A-3b, subset CJK font, QR code,
embedded credential) in one process, the total for COUNT with one worker per core, the PDF
size, and the seconds to zip ZIP stored certificates through the register's bundle code (in a
fresh database: SQLite file by default, or a new database on the PostgreSQL server given).
Targets on the project's 2-core machine: median < 0.2 s, 200 in < 20 s, < 300 KB each, the
zip of 1,000 < 5 s.

``--sample PATH`` writes one real certificate instead: a demo operator passes the demo
中级工 certification in the database the environment configures (``DATABASE_URL``, after
``make run``), signed with ``CERT_SIGNING_KEY_FILE``, so ``flask --app wsgi certs verify PATH``
in the same environment says valid.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# The apps built here are no servers: no scheduled jobs running beside the timings.
os.environ.setdefault("SCHEDULER_ENABLED", "false")

from databases import fresh_database  # noqa: E402

from exam_app import create_app, migrate  # noqa: E402
from exam_app.accounts.models import Role, User, UserRole  # noqa: E402
from exam_app.bank.models import ItemVersion  # noqa: E402
from exam_app.certificates import register, render, rules  # noqa: E402
from exam_app.certificates.models import Bundle, Certificate  # noqa: E402
from exam_app.db import get_session, utcnow  # noqa: E402
from exam_app.exams import attempts, saving  # noqa: E402
from exam_app.exams.models import Exam, ExamMode  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余"
    "于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥建文辉力永健世广志"
    "义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安"
    "岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮"
    "政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛"
    "雄琛钧冠策腾楠榕风航弘"
)
UNITS = ["天河营业厅", "越秀营业厅", "海珠营业厅", "番禺营业厅", "白云营业厅", "黄埔营业厅"]


def printed(rng: random.Random, n: int) -> rules.Printed:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    code = rules.new_code()
    number = rules.format_number(2026, n)
    return rules.Printed(
        number=number,
        holder_name=name,
        holder_employee_no=f"O{n:05d}",
        holder_unit=f"南方电网/广东电网公司/广州供电局/{rng.choice(UNITS)}",
        title="用电客户受理员",
        level_name=rng.choice(("中级工", "高级工")),
        exam_title="2026年度用电客户受理员中级工认证考试",
        score_percent=round(rng.uniform(60, 100), 1),
        issued_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        valid_from=date(2026, 12, 1),
        expires_on=date(2029, 11, 30),
        verify_url=f"https://exam.example.cn/certificates/verify/{number}/{code}",
        issuer_name="南方电网客户服务培训考试中心",
    )


#: A stand-in credential of a realistic length (an issued one is about 2 KB).
FAKE_JWT = "eyJhbGciOiJFZERTQSJ9." + "A" * 2400 + "." + "B" * 86


def _render(n: int) -> tuple[float, int]:
    cert = printed(random.Random(n), n)
    start = time.perf_counter()
    pdf = render.render_pdf(cert, "K7QX-3M9D-RT2P-8WZA", None, FAKE_JWT)
    return time.perf_counter() - start, len(pdf)


def bench_render(count: int) -> tuple[bytes, list[float], list[int], float]:
    _render(0)  # fonts and template loaded once per process, as in a running server
    one = [_render(n) for n in range(1, count + 1)]
    workers = os.cpu_count() or 1
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_render, range(count + 1, 2 * count + 1))
    parallel = time.perf_counter() - start
    sample = render.render_pdf(printed(random.Random(1), 1), "K7QX-3M9D-RT2P-8WZA", None, FAKE_JWT)
    return sample, [t for t, _ in one], [s for _, s in one], parallel


def bench_zip(url: str, pdf: bytes, count: int, workdir: Path) -> float:
    """Store ``count`` certificates (the sample's bytes, as issued ones are stored) and time
    the register's bundle: read them back and zip them."""
    app = create_app(
        {"DATABASE_URL": url, "TESTING": True, "CERT_SIGNING_KEY_FILE": str(workdir / "k.pem")}
    )
    migrate.upgrade(app.extensions["db_engine"])
    with app.app_context():
        session = get_session()
        user = User(employee_no="B0001", name="测试", password_hash="x")
        session.add(user)
        session.flush()
        exam = Exam(title="bench", mode=ExamMode.CERTIFICATION)
        session.add(exam)
        session.flush()
        attempt = attempts.Attempt(
            exam_id=exam.id, user_id=user.id, seed=1, started_at=utcnow(), deadline_at=utcnow()
        )
        session.add(attempt)
        session.flush()
        now = utcnow()
        session.execute(
            Certificate.__table__.insert(),
            [
                {
                    "number": rules.format_number(2026, n),
                    "verification_code": rules.new_code(),
                    "user_id": user.id,
                    "holder_name": "测试",
                    "holder_employee_no": "B0001",
                    "holder_unit": "",
                    "title": "用电客户受理员",
                    "level": "intermediate",
                    "level_name": "中级工",
                    "exam_id": exam.id,
                    "exam_title": "bench",
                    "attempt_id": attempt.id,
                    "score_percent": 90.0,
                    "issued_at": now,
                    "valid_from": now.date(),
                    "expires_on": now.date() + timedelta(days=1000),
                    "status": "valid",
                    "revoked_reason": "",
                    "credential_jwt": FAKE_JWT,
                    "status_index": n,
                    "pdf": pdf,
                    "pdf_sha256": "x" * 64,
                }
                for n in range(1, count + 1)
            ],
        )
        session.commit()
        ids = list(session.scalars(select(Certificate.id)))
        bundle = register.start_bundle(session, ids, user.id, now)
        session.commit()
        start = time.perf_counter()
        register.build_bundle(session, bundle, session.commit)
        elapsed = time.perf_counter() - start
        size = len(session.scalar(select(Bundle.data).where(Bundle.id == bundle.id)) or b"")
    app.extensions["db_engine"].dispose()
    print(f"zip: {count} stored certificates in {elapsed:.2f} s ({size / 1e6:.1f} MB)")
    return elapsed


def write_sample(path: Path) -> None:
    """A demo operator passes the demo 中级工 certification; its certificate goes to PATH."""
    app = create_app()
    with app.app_context():
        session = get_session()
        user = session.scalar(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.OPERATOR)
            .order_by(User.employee_no)
        )
        exam = session.scalar(
            select(Exam)
            .where(Exam.mode == ExamMode.CERTIFICATION, Exam.certificate_months.is_not(None))
            .order_by(Exam.id)
        )
        if user is None or exam is None:
            sys.exit(
                "no demo operator or certification exam: run `make run` (flask demo load) first"
            )
        exam.max_attempts, exam.wait_minutes = None, 0  # a bench may pass as often as it is run
        now = utcnow()
        attempt = attempts.start_attempt(session, exam, user, now)
        for item in attempt.items:
            key = session.get(ItemVersion, item.version_id).answer  # type: ignore[union-attr]
            chosen = [item.option_order.index(label) for label in key]
            saving.save_answer(session, attempt.id, user.id, item.position, chosen, False, 0, now)
        attempts.submit_attempt(session, attempt, now)
        session.commit()
        cert = session.scalar(select(Certificate).where(Certificate.attempt_id == attempt.id))
        pdf = (
            session.scalar(select(Certificate.pdf).where(Certificate.id == cert.id))
            if cert
            else None
        )
        if pdf is None:
            sys.exit(
                "no certificate PDF was rendered (is a Chinese font installed? make system-deps)"
            )
        path.write_bytes(pdf)
        print(f"wrote {path}: certificate {cert.number} of {user.name} ({user.employee_no})")  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--zip", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL admin URL; default SQLite")
    parser.add_argument("--sample", type=Path, help="write one real certificate here and stop")
    args = parser.parse_args()
    if args.sample:
        write_sample(args.sample)
        return
    render.check_fonts()
    sample, times, sizes, parallel = bench_render(args.count)
    print(
        f"render: median {statistics.median(times):.3f} s per certificate in one process "
        f"(p95 {sorted(times)[int(len(times) * 0.95) - 1]:.3f} s)"
    )
    print(f"render: {args.count} certificates in {parallel:.2f} s with {os.cpu_count()} workers")
    print(
        f"size: median {statistics.median(sizes) / 1024:.0f} KB, largest {max(sizes) / 1024:.0f} KB"
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(args.database_url, Path(tmp), "certs") as url,
    ):
        bench_zip(url, sample, args.zip, Path(tmp))


if __name__ == "__main__":
    main()
