"""Leaderboard worlds (a few ranked companies, neglected queues) and reading the table back."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import ComplaintState, ResolutionType
from app.models.stats import CompanyStat, StatFields
from app.models.user import User
from app.stats import aggregates
from app.stats.aggregates import compute_company
from app.stats.leaderboard import sort_keys
from app.stats.metrics import METHODOLOGY_VERSION, Record, Targets
from tests.support.factories import make_complaint, make_user


def company_with(db: Session, name: str, filed: int, confirmed: int, **extra) -> Company:
    """``filed`` complaints five days old; the first ``confirmed`` resolved and confirmed."""
    now = utcnow()
    rep = make_user(db)
    made = [
        make_complaint(db, company_name=name, now=now - timedelta(days=5), **extra)
        for _ in range(filed)
    ]
    for complaint in made[:confirmed]:
        complaints.resolve(
            session=db,
            complaint=complaint,
            rep=rep,
            resolution_type=ResolutionType.MONETARY,
            now=now - timedelta(days=4),
        )
        author = db.get(User, complaint.author_id)
        complaints.confirm(
            session=db, complaint=complaint, user=author, now=now - timedelta(days=3)
        )
    return db.get(Company, made[0].company_id)


@pytest.fixture
def board(db: Session) -> dict[str, Company]:
    found = {
        "alpha": company_with(db, "Alpha Co", 4, 3),  # 75% confirmed
        "beta": company_with(db, "Beta Co", 3, 1),  # 33.3%
        "gamma": company_with(db, "Gamma Co", 2, 2),  # 100%, but only 2 complaints
    }
    now = utcnow()
    for company in found.values():
        aggregates.refresh_company(session=db, company_id=company.id, now=now)
    db.commit()
    return found


def row_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/companies/[^"]+">([^<]+)</a></th>', html)


def cells(html: str, metric: str) -> list[str]:
    found = re.findall(rf'<td data-metric="{metric}">(.*?)</td>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in found]


def neglect_records(
    *, on_time: int, late: int = 0, silent: int = 0, age_days: float = 30, closed: bool = False
) -> list:
    """Complaints ``age_days`` old: answered after a day, answered after 20 days (past the
    14-day deadline), or never answered; with ``closed``, the answered ones are confirmed."""
    now = utcnow()
    filed = now - timedelta(days=age_days)
    made = []
    for delay in [1.0] * on_time + [20.0] * late + [None] * silent:
        made.append(
            Record(
                created_at=filed,
                category="billing",
                state=ComplaintState.OPEN
                if delay is None
                else ComplaintState.CONFIRMED
                if closed
                else ComplaintState.ANSWERED,
                first_response_at=None if delay is None else filed + timedelta(days=delay),
                closed_at=filed + timedelta(days=21) if closed and delay else None,
            )
        )
    return made


def company_stats(db: Session, name: str, records: list[Record]) -> None:
    """The company's aggregates computed from these records, stored as a refresh stores them."""
    company = companies.create(session=db, name=name)
    now = utcnow()
    for (period, category), fields in compute_company(
        records=records, targets=Targets(), as_of=now
    ).items():
        db.add(
            CompanyStat(
                company_id=company.id,
                period=period,
                category=category,
                methodology_version=METHODOLOGY_VERSION,
                computed_at=now,
                **fields,
                **sort_keys(StatFields.model_validate(fields)),
            )
        )
    db.commit()
