"""The database layer keeps its promise: a request's changes land together or not at all."""

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from app.clock import utcnow
from app.columns import UTCDateTime
from app.db import get_engine, get_read_engine
from app.models.company import Company


def test_a_released_savepoint_is_not_a_commit(engine) -> None:
    """On SQLite the driver used to commit at the first savepoint's release; a later failure
    then left half a request behind."""
    with Session(get_engine()) as session:
        with session.begin_nested():
            session.add(Company(name="Half Written Ltd", slug="half-written-ltd"))
        session.rollback()  # the request fails after its savepoint
    with Session(get_engine()) as check:
        assert check.exec(select(Company).where(Company.slug == "half-written-ltd")).first() is None
        check.execute(delete(Company).where(Company.slug == "half-written-ltd"))
        check.commit()


def test_reads_and_writes_share_one_pool(engine) -> None:
    assert get_read_engine().pool is get_engine().pool


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(utcnow().replace(tzinfo=None), get_engine().dialect)
