"""A consumer's page views ask nothing about memberships once this process knows they have
none; a rep is still checked live, and a new membership counts at once."""

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session, SQLModel

from app.companies import not_reps
from app.companies.members import companies_of
from app.db import for_reading
from app.models.company import Company
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    """A database of its own: reading sessions need an engine (the suite's ``db`` is one
    connection), and what this test commits must not reach the others."""
    engine = create_engine(empty_database_url)
    SQLModel.metadata.create_all(engine)
    not_reps.forget_all()
    yield engine
    engine.dispose()


def _membership_queries(engine: Engine) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if "company_member" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen


def test_a_consumer_is_asked_about_once_and_a_new_membership_counts_at_once(engine):
    with Session(engine, expire_on_commit=False) as db:
        complaint = make_complaint(db, company_name="Acme Telecom")
        consumer = make_user(db)
        db.commit()
    queries = _membership_queries(engine)

    for _ in range(3):  # three page views
        with Session(for_reading(engine)) as reading:
            assert companies_of(session=reading, user=consumer) == []
    assert len(queries) == 1

    with Session(engine, expire_on_commit=False) as db:
        make_rep(db, db.get_one(Company, complaint.company_id), user=consumer)
        db.commit()
    with Session(for_reading(engine)) as reading:
        assert [m.company_id for m in companies_of(session=reading, user=consumer)] == [
            complaint.company_id
        ]


def test_a_rep_is_checked_on_every_view(engine):
    with Session(engine, expire_on_commit=False) as db:
        complaint = make_complaint(db, company_name="Acme Telecom")
        rep = make_rep(db, db.get_one(Company, complaint.company_id)).user_id
        db.commit()
        user = db.get_one(User, rep)
    queries = _membership_queries(engine)
    for _ in range(3):
        with Session(for_reading(engine)) as reading:
            assert len(companies_of(session=reading, user=user)) == 1
    assert len(queries) == 3


def test_a_lookup_that_began_before_a_change_is_not_kept():
    not_reps.forget_all()
    started = time.monotonic()
    not_reps.forget_all()  # a membership changed while the lookup ran
    not_reps.keep(42, started=started, seconds=60)
    assert not not_reps.known(42)
    not_reps.keep(42, started=time.monotonic(), seconds=60)
    assert not_reps.known(42)


def test_a_lapsed_answer_holds_until_the_logins_lookup_reads_it_again(engine, monkeypatch):
    from app.companies.members import recheck_not_rep
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "session_cache_seconds", 0.5)
    with Session(engine) as session:
        user = make_user(session)
        session.commit()
        recheck_not_rep(session=session, user=user)  # with the login's lookup
    assert not_reps.known(user.id)
    time.sleep(0.6)  # lapsed, not yet twice: pages in flight keep the answer
    assert not_reps.known(user.id)
    with Session(engine) as session:
        recheck_not_rep(session=session, user=user)  # the login's next lookup
    time.sleep(0.6)
    assert not_reps.known(user.id)  # fresh from the recheck, lapsed only once
    time.sleep(0.5)
    assert not not_reps.known(user.id)  # nobody read it again: forgotten
