"""Complaints filed at a fixed moment around one outage, for the systemic-issue tests."""

from datetime import UTC, datetime

from sqlmodel import Session

from tests.support.factories import make_complaint, make_user

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


OUTAGE = [
    "Broadband down for days: my broadband has been down since Monday and support keeps "
    "telling me an engineer will call back within 24 hours but nobody ever calls.",
    "Broadband down again: my broadband has been down since Tuesday and support keeps "
    "telling me an engineer will call back within 24 hours but nobody ever does.",
    "Broadband down for a week: my broadband has been down since Monday and support keeps "
    "telling me an engineer will call back within two days but nobody ever calls.",
    "No broadband: my home broadband has been down since Monday and support keeps telling "
    "me an engineer will call back within 24 hours but nobody ever calls me.",
]


def file_systemic(
    db: Session, text: str, *, company: str = "Northwind Broadband", at=NOW, author=None
):
    title, body = text.split(": ", 1)
    return make_complaint(
        db, author=author or make_user(db), title=title, body=body, company_name=company, now=at
    )
