"""Aggregates follow complaint changes through the worker, and the CLI refreshes them."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.cli import app as cli
from app.clock import utcnow
from app.complaints import cosigns
from app.complaints import service as complaints
from app.config import get_settings
from app.jobs.periodic import SCHEDULE
from app.models.company import Company
from app.models.job import Job
from app.models.stats import CompanyStat, StatMark
from app.moderation import service as moderation
from app.stats import aggregates
from app.stats.jobs import REFRESH, REFRESH_ALL, SNAPSHOT
from app.stats.leaderboard import headline
from tests.support.factories import make_complaint, make_user
from tests.support.periodic import run_periodic


@pytest.fixture(autouse=True)
def no_burst(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "burst_complaints", 10_000)


def _marks(db: Session, company_id: int) -> list[StatMark]:
    return list(db.exec(select(StatMark).where(StatMark.company_id == company_id)))


def test_a_new_complaint_marks_its_company_dirty_and_queues_no_job_of_its_own(db) -> None:
    first = make_complaint(db, company_name="Dirty Co")
    make_complaint(db, company_name="Dirty Co")
    dirty = db.exec(select(StatMark)).all()
    assert [d.company_id for d in dirty] == [first.company_id] * 2
    # The minute's sweep recomputes it; a job per change (or per minute of changes) would be a
    # key every concurrent change inserts, and they would wait on each other.
    assert db.exec(select(Job).where(Job.kind == REFRESH)).all() == []


def test_refresh_dirty_recomputes_and_clears_the_mark(db) -> None:
    complaint = make_complaint(db, company_name="Mark Co")
    assert aggregates.refresh_dirty(session=db) == 1
    assert db.exec(select(StatMark)).all() == []
    assert headline(session=db, company_id=complaint.company_id).filed == 1


def test_a_mark_made_during_a_refresh_survives_it(db) -> None:
    complaint = make_complaint(db, company_name="Race Co")
    [mark] = _marks(db, complaint.company_id)
    # Someone marks it again after the refresh read the mark but before it deleted it.
    later = mark.marked_at + timedelta(seconds=1)
    original = aggregates.refresh_company

    def refresh_then_mark(**kwargs):
        done = original(**kwargs)
        aggregates.mark_dirty(session=db, company_id=complaint.company_id, now=later)
        return done

    aggregates.refresh_company = refresh_then_mark
    try:
        aggregates.refresh_dirty(session=db)
    finally:
        aggregates.refresh_company = original
    db.expire_all()
    assert [m.marked_at for m in _marks(db, complaint.company_id)] == [later]


def test_aggregates_follow_a_change_through_the_worker(live_engine) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        complaint = make_complaint(session, company_name="Worker Co")
        session.commit()
    run_periodic(live_engine, REFRESH)
    with Session(live_engine) as session:
        stat = headline(session=session, company_id=complaint.company_id)
        assert (stat.filed, stat.responded, stat.open_now) == (1, 0, 1)
        assert session.exec(select(StatMark)).all() == []

    with Session(live_engine, expire_on_commit=False) as session:
        fresh = session.get(type(complaint), complaint.id)
        complaints.answer(session=session, complaint=fresh, rep=make_user(session), body="On it.")
        session.commit()
    with Session(live_engine) as session:
        assert _marks(session, complaint.company_id) != []
    next_minute = utcnow() + timedelta(minutes=1)
    run_periodic(live_engine, REFRESH, now=next_minute)
    with Session(live_engine) as session:
        assert headline(session=session, company_id=complaint.company_id).responded == 1
        assert session.exec(select(StatMark)).all() == []


def test_the_daily_refresh_and_the_snapshot_are_scheduled() -> None:
    kinds = {p.kind: p.every for p in SCHEDULE}
    assert kinds[REFRESH] == timedelta(minutes=1)
    assert kinds[REFRESH_ALL] == timedelta(days=1)
    assert kinds[SNAPSHOT] == timedelta(days=1)


def test_cli_refresh_recomputes_every_company(live_engine) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        first = make_complaint(session, company_name="Cli One")
        second = make_complaint(session, company_name="Cli Two")
        session.commit()
    result = CliRunner().invoke(cli, ["stats", "refresh"])
    assert result.exit_code == 0, result.output
    assert "2 companies recomputed" in result.output
    with Session(live_engine) as session:
        for complaint in (first, second):
            assert headline(session=session, company_id=complaint.company_id).filed == 1
        windows = {s.period for s in session.exec(select(CompanyStat))}
        assert windows == {"90d", "12m", "all"}


def test_cli_snapshot_refuses_a_month_twice(live_engine) -> None:
    with Session(live_engine) as session:
        session.add(Company(name="Empty Co", slug="empty-co"))
        session.commit()
    assert CliRunner().invoke(cli, ["stats", "snapshot", "--month", "2026-01"]).exit_code == 0
    again = CliRunner().invoke(cli, ["stats", "snapshot", "--month", "2026-01"])
    assert again.exit_code != 0
    assert "already taken" in " ".join(again.output.split())
    assert CliRunner().invoke(cli, ["stats", "snapshot", "--month", "26-1"]).exit_code != 0


def test_moderation_and_cosigns_mark_the_company_dirty(db) -> None:
    from app.models.complaint import Visibility

    complaint = make_complaint(db, company_name="Quiet Co")
    aggregates.refresh_dirty(session=db)
    assert _marks(db, complaint.company_id) == []

    moderation.set_visibility(
        session=db, complaint=complaint, visibility=Visibility.REMOVED, reason="Spam", actor=None
    )
    assert _marks(db, complaint.company_id) != []
    aggregates.refresh_dirty(session=db)
    assert headline(session=db, company_id=complaint.company_id).filed == 0

    other = make_complaint(db, company_name="Quiet Co")
    aggregates.refresh_dirty(session=db)
    cosigns.cosign(session=db, complaint=other, user=make_user(db))
    db.flush()
    assert _marks(db, complaint.company_id) != []
    aggregates.refresh_dirty(session=db)
    assert headline(session=db, company_id=complaint.company_id).cosigns_avg == 1.0
