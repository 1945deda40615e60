"""Two owners demoting each other at the same moment must not leave the company without an owner.

Needs real, separately committed transactions on PostgreSQL (row locks); SQLite runs one writer
at a time, so the race cannot happen there.
"""

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from app.companies import service as companies
from app.companies import team
from app.errors import Conflict
from app.models.membership import CompanyMember, Role
from app.models.user import User
from tests.support.factories import make_rep
from tests.support.pg_locks import waiting_on_a_lock


@pytest.fixture
def pg_engine(engine: Engine) -> Iterator[Engine]:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: run with OUTCRY_TEST_DATABASE_URL pointing at PostgreSQL")
    yield engine
    with engine.begin() as connection:  # this test commits for real: leave the tables empty
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


def test_two_owners_demoting_each_other_at_once_leave_one_owner(pg_engine: Engine) -> None:
    with Session(pg_engine, expire_on_commit=False) as setup:
        company = companies.create(session=setup, name="Race Conditions Ltd")
        ann = make_rep(setup, company, role=Role.OWNER)
        bob = make_rep(setup, company, role=Role.OWNER)
        setup.commit()

    outcome: list[object] = []

    def bob_demotes_ann() -> None:
        with Session(pg_engine) as second:
            try:
                team.change_role(
                    session=second,
                    company_id=company.id,
                    actor=second.get(User, bob.user_id),
                    member_id=ann.id,
                    role=Role.AGENT,
                )
                second.commit()
                outcome.append("demoted")
            except Conflict as exc:
                second.rollback()
                outcome.append(exc)

    racer = threading.Thread(target=bob_demotes_ann)
    with Session(pg_engine) as first:
        team.change_role(
            session=first,
            company_id=company.id,
            actor=first.get(User, ann.user_id),
            member_id=bob.id,
            role=Role.AGENT,
        )  # holds the owner rows' locks until it commits
        racer.start()
        deadline = time.monotonic() + 30
        while not (waited := waiting_on_a_lock(pg_engine)) and racer.is_alive():
            assert time.monotonic() < deadline, "the second demotion neither waited nor ended"
            time.sleep(0.05)
        first.commit()
    racer.join(timeout=10)

    assert waited, "the second demotion did not wait for the first"
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    with Session(pg_engine) as check:
        roles = check.exec(
            select(CompanyMember.role).where(CompanyMember.company_id == company.id)
        ).all()
    assert sorted(roles) == [Role.AGENT, Role.OWNER]
