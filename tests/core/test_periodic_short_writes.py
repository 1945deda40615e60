"""The worker's big periodic jobs (every company's statistics, the broadcast catch-up scan) read
outside their write transactions and write in small batches, committing between them: on
SQLite, whose one write lock every filing needs, a filing made while they run goes through."""

import re
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, SQLModel

from app.broadcast import digest, schedule
from app.clock import utcnow
from app.db import READ_ONLY, make_engine
from app.stats import jobs as stats_jobs
from app.stats import site_trends
from app.systemic import jobs as systemic_jobs
from tests.support.environment import TEST_DATABASE_URL
from tests.support.factories import make_complaint, make_user

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("sqlite"),
    reason="the database-wide write lock is SQLite's; PostgreSQL locks rows",
)

COMPANIES, PER_COMPANY = 24, 6
JOB_THREAD = "periodic-job"


class WriteTransactions:
    """Counts the rows each write transaction (BEGIN IMMEDIATE ... COMMIT) changed, and keeps
    the statements it ran."""

    def __init__(self, engine) -> None:
        self.rows: list[int] = []
        self.statements: list[list[str]] = []
        self._open: dict[int, int] = {}
        self._ran: dict[int, list[str]] = {}
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "after_cursor_execute", self._executed)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._commit)

    def _begin(self, connection) -> None:
        job = threading.current_thread().name == JOB_THREAD  # not the filings meanwhile
        if job and not connection.get_execution_options().get(READ_ONLY, False):
            self._open[id(connection)] = 0
            self._ran[id(connection)] = []

    def _executed(self, connection, _cursor, statement, _params, _context, _many) -> None:
        if id(connection) not in self._open:
            return
        self._ran[id(connection)].append(" ".join(statement.split()))
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self._open[id(connection)] += max(_cursor.rowcount, 1)

    def _commit(self, connection) -> None:
        if id(connection) in self._open:
            self.rows.append(self._open.pop(id(connection)))
            self.statements.append(self._ran.pop(id(connection)))

    def read_complaints(self) -> list[str]:
        """Statements of the job's write transactions that read the complaints (beyond one
        row by its key): the work a job must do before taking the lock."""
        return [
            s
            for ran in self.statements
            for s in ran
            if re.search(r"\b(FROM|JOIN) complaint\b", s)
            and not s.startswith(("INSERT", "UPDATE"))
            and not s.endswith("WHERE complaint.id = ?")
        ]


@pytest.fixture
def site():
    path = Path(tempfile.mkdtemp(prefix="outcry-periodic-")) / "site.db"
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    filed = utcnow() - timedelta(days=20)
    with Session(engine, expire_on_commit=False) as session:
        for c in range(COMPANIES):
            for n in range(PER_COMPANY):
                make_complaint(
                    session, company_name=f"Company {c}", title=f"Problem {n}", now=filed
                )
        session.execute(text("UPDATE complaint SET broadcast_opt_in = 1"))
        session.commit()
    yield engine
    engine.dispose()


def _file_while(engine, job) -> tuple[list[str], int]:
    """Run ``job`` in a thread and file complaints meanwhile; what the filings answered."""
    errors: list[str] = []
    filed = 0
    worker = threading.Thread(target=job, name=JOB_THREAD)
    worker.start()
    while worker.is_alive() or filed == 0:
        try:
            with Session(engine) as session:
                make_complaint(session, author=make_user(session), company_name="Company 0")
                session.commit()
            filed += 1
        except Exception as exc:
            errors.append(str(exc))
    worker.join()
    return errors, filed


def test_every_companys_statistics_are_written_in_small_transactions(site, monkeypatch):
    monkeypatch.setattr(stats_jobs, "WRITE_ROWS", 30)  # a few companies' rows per transaction
    counted = WriteTransactions(site)
    errors, filed = _file_while(site, lambda: stats_jobs.refresh_all(site))
    assert errors == []
    assert filed >= 1
    # A batch stops once it passes WRITE_ROWS (a company's rows are a few dozen), so no
    # transaction holds the lock for much more than that, and the lock was freed between them.
    print("rows per write transaction:", counted.rows)
    assert max(counted.rows) <= 60
    assert len(counted.rows) > 2
    with Session(site) as session:
        stored = session.execute(text("SELECT count(DISTINCT company_id) FROM company_stat"))
        assert stored.scalar_one() >= COMPANIES


def test_the_broadcast_catch_up_scan_commits_between_batches(site, monkeypatch):
    monkeypatch.setattr(schedule, "SCAN_BATCH", 10)
    counted = WriteTransactions(site)
    errors, filed = _file_while(site, lambda: schedule.scan_in_batches(site))
    assert errors == []
    assert filed >= 1
    # 144 due complaints, 10 per write transaction: the lock was released between batches.
    print("rows per write transaction:", counted.rows)
    assert len(counted.rows) >= COMPANIES * PER_COMPANY // 10
    with Session(site) as session:
        planned = session.execute(text("SELECT count(*) FROM job WHERE kind = :k"), {
            "k": schedule.MILESTONE_KIND})  # fmt: skip
        assert planned.scalar_one() >= COMPANIES * PER_COMPANY


def _in_job_thread(work) -> None:
    thread = threading.Thread(target=work, name=JOB_THREAD)
    thread.start()
    thread.join()


@pytest.mark.parametrize("job", ["digest", "snapshot", "site trends", "systemic"])
def test_the_periodic_jobs_read_the_complaints_before_they_take_the_lock(site, job) -> None:
    """The weekly digest's picks, the monthly snapshot's table, the site's trends and a
    company's systemic groups are computed in a read snapshot; their write transactions only
    store the result (each had read every complaint it needed with the lock held)."""
    counted = WriteTransactions(site)
    later = utcnow() + timedelta(days=45)  # last month is over and had complaints
    run = {
        "digest": lambda: digest.queue_week(site, "2026-W01"),
        "snapshot": lambda: stats_jobs.snapshot_previous_month(site, later),
        "site trends": lambda: site_trends.refresh(site, later),
        "systemic": lambda: systemic_jobs.rebuild(site, 1),
    }[job]
    _in_job_thread(run)
    print("write transactions' statements:", counted.statements)
    assert counted.read_complaints() == []
    if job != "digest":  # a digest with no clear best and worst company stores nothing
        assert counted.rows and min(counted.rows) >= 1
