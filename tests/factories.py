"""Build users, companies and complaints through the real services."""

import itertools
from datetime import datetime

from sqlmodel import Session

from app.accounts import service as accounts
from app.complaints import service as complaints
from app.models.complaint import Category, Complaint, ComplaintCreate
from app.models.user import User

PASSWORD = "correct horse battery"
_HASH = accounts.hash_password(PASSWORD)  # hash once: argon2 is slow on purpose
_n = itertools.count(1)


def make_user(
    db: Session, *, email: str | None = None, name: str | None = None, is_admin: bool = False
) -> User:
    n = next(_n)
    return accounts.create_user(
        session=db,
        email=email or f"user{n}@example.org",
        password_hash=_HASH,
        display_name=name or f"User {n}",
        is_admin=is_admin,
    )


def complaint_data(**overrides) -> ComplaintCreate:
    values = {
        "title": "Charged twice for March",
        "body": "My card was charged twice for the March bill and nobody will refund it.",
        "category": Category.BILLING,
        "company_name": "Northwind Telecom",
        "submission_key": f"k{next(_n)}",
        **overrides,
    }
    return ComplaintCreate(**values)


def make_complaint(
    db: Session, author: User | None = None, *, now: datetime | None = None, **overrides
) -> Complaint:
    overrides.setdefault("accept_new_company", True)
    return complaints.file(
        session=db, author=author or make_user(db), data=complaint_data(**overrides), now=now
    )


def login(client, user: User, password: str = PASSWORD) -> None:
    from tests.conftest import post_form

    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 303, response.text
