"""The contact directory: a suggestion is not used until approved, the address that answers
beats the one that bounces, and two bounces retire an address for good."""

import pytest
from sqlmodel import Session

from app.errors import Conflict
from app.mailchannel import directory
from app.models.company import Company
from app.models.mail import AddressStatus
from tests.support.factories import make_complaint, make_user


def _company(db: Session) -> Company:
    return db.get(Company, make_complaint(db, company_name="Directory Widgets").company_id)


def test_suggestions_wait_for_approval_and_the_best_record_wins(db: Session) -> None:
    company = _company(db)
    moderator = make_user(db)
    assert directory.best_address(session=db, company=company) is None
    first = directory.suggest(
        session=db,
        company=company,
        address="help@dw.example.org",
        source_url="https://dw.example.org/contact",
        user=None,
    )
    second = directory.suggest(
        session=db,
        company=company,
        address="complaints@dw.example.org",
        source_url="https://dw.example.org/legal",
        user=None,
    )
    assert directory.best_address(session=db, company=company) is None  # not approved yet
    for row in (first, second):
        directory.review(session=db, address_id=row.id, moderator=moderator, approve=True)
    directory.record_bounce(session=db, company_id=company.id, recipient="help@dw.example.org")
    directory.record_answered(
        session=db, company_id=company.id, recipient="complaints@dw.example.org"
    )
    assert directory.best_address(session=db, company=company) == "complaints@dw.example.org"


def test_two_bounces_retire_an_address_for_good(db: Session) -> None:
    company = _company(db)
    company.contact_email = "info@dw.example.org"
    db.add(company)
    assert directory.best_address(session=db, company=company) == "info@dw.example.org"
    for _ in range(2):
        row = directory.record_bounce(
            session=db, company_id=company.id, recipient="info@dw.example.org"
        )
    assert row.status == AddressStatus.RETIRED and row.bounce_count == 2
    assert directory.best_address(session=db, company=company) is None
    with pytest.raises(Conflict):
        directory.suggest(
            session=db,
            company=company,
            address="Info@dw.example.org",
            source_url="https://dw.example.org",
            user=None,
        )
    with pytest.raises(Conflict):
        directory.review(session=db, address_id=row.id, moderator=make_user(db), approve=True)
