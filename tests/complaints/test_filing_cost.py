"""Filing stays cheap without losing anything: the preview's redaction is reused only for the
very text it masked, a job is queued once per key in one statement, the filing does not write
its own new row twice, and two filings against one company never wait for each other."""

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session, select

from app.companies import service as companies
from app.complaints import reading
from app.complaints import service as complaints
from app.events import LISTENERS_JOB
from app.jobs.queue import enqueue, ensure_queued
from app.jobs.worker import drain
from app.models.complaint import Complaint
from app.models.job import Job, JobState
from app.models.stats import StatMark
from app.redaction import service as redaction
from app.redaction.preview import fingerprint
from tests.support.factories import complaint_data, login, make_rep, make_user
from tests.support.forms import post_form


@contextmanager
def statements(db: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine: Engine = db.get_bind().engine  # type: ignore[union-attr]

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_the_filing_masks_its_own_text_not_the_previewed_one(db: Session) -> None:
    jane = make_user(db, name="Jane Porter", email="jane.porter@example.org")
    # The preview saw harmless text; the complaint filed in the same request carries her name.
    redaction.preview(
        session=db,
        author=jane,
        values={"title": "Charged twice", "body": "Nothing personal here at all, really."},
    )
    complaint = complaints.file(
        session=db,
        author=jane,
        data=complaint_data(body="Call Jane Porter back: she was charged twice for March."),
        bulk=True,
    )
    assert "Jane Porter" not in complaint.body
    assert complaint.original_body == "Call Jane Porter back: she was charged twice for March."


def test_a_previewed_text_is_filed_masked_as_previewed(db: Session) -> None:
    jane = make_user(db, name="Jane Porter", email="jane.porter@example.org")
    data = complaint_data(body="Write to jane.porter@example.org about the double charge.")
    shown = redaction.preview(
        session=db,
        author=jane,
        values={"title": data.title, "body": data.body, "desired_outcome": ""},
    )
    complaint = complaints.file(session=db, author=jane, data=data, bulk=True)
    assert complaint.body == shown["body"][1].text
    assert "jane.porter@example.org" not in complaint.body


def test_filing_does_not_update_the_row_it_just_inserted(db: Session) -> None:
    author = make_user(db)
    with statements(db) as seen:
        complaint = complaints.file(session=db, author=author, data=complaint_data(), bulk=True)
    assert not [s for s in seen if s.upper().startswith("UPDATE COMPLAINT")]
    # ...and its timeline still records the filing, with the complaint dated by it.
    [filed] = reading.timeline(session=db, complaint=complaint)
    assert (filed[0].kind, filed[0].at) == ("filed", complaint.created_at)
    assert complaint.updated_at == complaint.created_at


def test_a_job_is_queued_once_per_key_in_one_statement(db: Session) -> None:
    ensure_queued(session=db, kind="test.debounced", key="debounce:1", payload={"n": 1})
    with statements(db) as seen:
        ensure_queued(session=db, kind="test.debounced", key="debounce:1", payload={"n": 2})
    assert len([s for s in seen if not s.upper().startswith(("SAVEPOINT", "RELEASE"))]) == 1
    [job] = db.exec(select(Job).where(Job.key == "debounce:1")).all()
    assert job.payload == {"n": 1}
    assert enqueue(session=db, kind="test.debounced", key="debounce:1", payload={}).id == job.id


def test_a_filing_queues_its_consequences_as_one_job_that_the_worker_carries_out(
    live_engine,
) -> None:
    """A spike of filings pays only for the filings: telling the company's reps, the webhooks,
    the reminder and the statistics mark are one job per filing, committed with it, that the
    worker turns into them. Nobody hears of the complaint before it is committed."""
    with Session(live_engine, expire_on_commit=False) as setup:
        company = companies.create(session=setup, name="Deferred Energy Ltd")
        rep = make_rep(setup, company)
        ann = make_user(setup)
        setup.commit()
    with Session(live_engine, expire_on_commit=False) as request:
        data = complaint_data(company_name=company.name)
        complaint = complaints.file(session=request, author=ann, data=data)
        request.commit()

    def queued() -> tuple[list[str], int]:
        with Session(live_engine) as check:
            kinds = sorted(check.exec(select(Job.kind).where(Job.state == JobState.PENDING)))
            marks = check.exec(select(StatMark).where(StatMark.company_id == company.id)).all()
            return kinds, len(marks)

    assert queued() == ([LISTENERS_JOB], 0)
    assert asyncio.run(drain(engine=live_engine, kinds=[LISTENERS_JOB])) == 1
    kinds, marks = queued()
    assert marks == 1
    assert kinds == ["mail", "notify.reminder"]  # the reps told; the reminder set
    with Session(live_engine) as check:
        mail = check.exec(select(Job).where(Job.kind == "mail")).one()
        assert mail.key == f"mail:new-complaint:{complaint.id}:{rep.user_id}"


def test_two_filings_against_one_company_never_wait_for_each_other(live_engine) -> None:
    """A viral complaint brings many filings against one company at once. On PostgreSQL a
    filing must not wait for another's transaction: a row or job key they both wrote (the
    company's statistics mark, a debounced regrouping) made them queue behind each other."""
    if live_engine.dialect.name != "postgresql":
        pytest.skip("row locks: run with OUTCRY_TEST_DATABASE_URL pointing at PostgreSQL")
    with Session(live_engine, expire_on_commit=False) as setup:
        company = companies.create(session=setup, name="Viral Target Ltd")
        make_rep(setup, company)  # claimed: filings also mail its reps
        ann, bob = make_user(setup), make_user(setup)
        setup.commit()
    with Session(live_engine) as first, Session(live_engine) as second:
        data = complaint_data(company_name=company.name)
        complaints.file(session=first, author=ann, data=data)  # not committed yet
        # Refused at once instead of waited on, if it needed a lock the first one holds.
        second.execute(text("SET LOCAL lock_timeout = '100ms'"))
        other = complaint_data(company_name=company.name, title="Another customer, same outage")
        complaints.file(session=second, author=bob, data=other)
        second.commit()
        first.commit()
    with Session(live_engine) as check:
        filed = check.exec(select(Complaint).where(Complaint.company_id == company.id)).all()
        assert sorted(c.author_id for c in filed) == sorted([ann.id, bob.id])


def test_a_filing_reads_and_previews_while_another_request_is_writing(
    live_engine, live_client
) -> None:
    """On SQLite one writer at a time holds the write lock. A filing takes it only to write:
    signing in the filer, the redaction preview and a refused form need no lock, so they do
    not wait behind other filings (they waited up to the 5 s busy timeout, then failed)."""
    if live_engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    with Session(live_engine, expire_on_commit=False) as setup:
        jane = make_user(setup, name="Jane Porter", email="jane.porter@example.org")
        setup.commit()
    login(live_client, jane)
    typed = {
        "company_name": "Lock Test Energy",
        "company_pick": "new",
        "title": "Meter read wrong",
        "body": "Write to jane.porter@example.org: the meter was read wrong twice in a row.",
        "category": "billing",
        "submission_key": "lock-test-1",
    }
    writer = live_engine.raw_connection()
    try:
        writer.execute("BEGIN IMMEDIATE")  # another request, mid-write
        started = time.monotonic()
        preview = post_form(live_client, "/complaints/new", typed, page="/complaints/new")
        refused = post_form(live_client, "/complaints/new", {**typed, "title": "x"})
        waited = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()
    assert preview.status_code == 200 and ">[email]</mark>" in preview.text
    assert refused.status_code == 422 and "the meter was read wrong twice" in refused.text
    assert waited < 4  # not the busy timeout
    # And with the lock free the filing itself goes through.
    filed = post_form(live_client, "/complaints/new", {**typed, "previewed": fingerprint(typed)})
    assert filed.status_code == 303
