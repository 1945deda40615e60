"""The demo loader and the command line, as a newcomer uses them."""

from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from app.accounts import service as accounts
from app.cli import app as cli
from app.clock import utcnow
from app.companies import members
from app.demo import DEMO_COMPLAINTS, DemoNotEmpty, load
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, CoSign, Message, Side
from app.models.job import Job
from app.models.stats import CompanyStat
from app.stats import aggregates
from app.stats.metrics import WINDOWS


def test_demo_data_covers_every_state_over_eighteen_months(db) -> None:
    now = utcnow()
    load(session=db, now=now)
    complaints = db.exec(select(Complaint)).all()
    assert len(complaints) == DEMO_COMPLAINTS
    cosigned = Counter(s.complaint_id for s in db.exec(select(CoSign)))
    assert all(c.cosign_count == cosigned[c.id] for c in complaints)
    states = Counter(c.state for c in complaints)
    assert set(states) == set(ComplaintState)
    oldest = min(c.created_at for c in complaints)
    assert now - oldest > timedelta(days=480)
    assert db.exec(select(func.count()).select_from(CoSign)).one() > 100
    assert db.exec(select(func.count()).select_from(Message)).one() > 300
    assert all(c.created_at <= now for c in complaints)
    # Loading demo data mails, webhooks and broadcasts nobody.
    assert db.exec(select(func.count()).select_from(Job)).one() == 0
    # Reps of claimed companies can log in to a dashboard, and their replies are signed.
    rep = accounts.get_by_email(session=db, email="rep0@demo.example")
    (membership,) = members.companies_of(session=db, user=rep)
    # Their companies' domains are admin-confirmed, as the claims review rule asks.
    assert db.get(Company, membership.company_id).domain_confirmed_at is not None
    company_replies = db.exec(select(Message).where(Message.side == Side.COMPANY)).all()
    assert company_replies and all(m.signature for m in company_replies)
    # Every window ranks at least ten companies, and some ranked companies never answer.
    for company_id in db.exec(select(Company.id)):
        aggregates.refresh_company(session=db, company_id=company_id, now=now)
    for period in WINDOWS:
        ranked = db.exec(
            select(CompanyStat).where(
                CompanyStat.period == period, CompanyStat.category == "", CompanyStat.ranked
            )
        ).all()
        assert len(ranked) >= 10, period
        assert any(r.unanswered_rate == 1.0 for r in ranked), period
    with pytest.raises(DemoNotEmpty):
        load(session=db)


def test_cli_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "demo", "db", "user"):
        assert command in result.output
