"""Complaint services, called directly as the company dashboard will call them."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.clock import utcnow
from app.companies import service as companies
from app.companies.stats import live
from app.complaints import cosigns, reading
from app.complaints import service as complaints
from app.complaints.flags import flags
from app.complaints.states import TransitionError
from app.errors import Conflict, Forbidden
from app.models.complaint import (
    Channel,
    Complaint,
    ComplaintState,
    ContactAttemptIn,
    ResolutionType,
    TimelineEvent,
)
from app.search import service as searching
from tests.support.factories import complaint_data, make_complaint, make_user


def kinds(db, complaint) -> list[str]:
    return [event.kind for event, _m, _u in reading.timeline(session=db, complaint=complaint)]


def test_filing_creates_company_timeline_and_attempts(db) -> None:
    author = make_user(db)
    complaint = complaints.file(
        session=db,
        author=author,
        data=complaint_data(
            company_name="  Brightline   Energy ",
            company_domain="https://www.Brightline.example/help",
            contact_attempts=[
                ContactAttemptIn(channel=Channel.PHONE, count=4),
                ContactAttemptIn(channel=Channel.CHAT, count=5),
            ],
            contact_since=date(2026, 3, 3),
            private_reference=" ACC-1 ",
        ),
    )
    company = companies.get(session=db, company_id=complaint.company_id)
    assert (company.name, company.domain, company.slug) == (
        "Brightline Energy",
        "brightline.example",
        "brightline-energy",
    )
    assert complaint.state is ComplaintState.OPEN
    assert complaint.private_reference == "ACC-1"
    assert kinds(db, complaint) == ["filed"]
    attempts = reading.contact_attempts(session=db, complaint_ids=[complaint.id])[complaint.id]
    assert reading.contact_summary(attempts, complaint.contact_since) == (
        "tried 4 times by phone and 5 times by chat since 3 March 2026"
    )


def test_same_submission_key_files_once(db) -> None:
    author = make_user(db)
    data = complaint_data(submission_key="same-form", accept_new_company=True)
    first = complaints.file(session=db, author=author, data=data)
    second = complaints.file(session=db, author=author, data=data)
    assert first.id == second.id
    assert len(kinds(db, first)) == 1


def test_a_form_sent_again_with_other_text_still_files_once(db) -> None:
    """The key decides, not the text: a retried form whose text the duplicate check would not
    match (edited in another tab, or a bulk load) gets the first complaint back, unchanged."""
    author = make_user(db)
    data = complaint_data(submission_key="one-form", accept_new_company=True)
    first = complaints.file(session=db, author=author, data=data)
    edited = data.model_copy(update={"title": "Something else", "body": "A different text " * 5})
    for bulk in (False, True):
        again = complaints.file(session=db, author=author, data=edited, bulk=bulk)
        assert (again.id, again.title) == (first.id, first.title)
    filed = db.exec(select(Complaint).where(Complaint.author_id == author.id)).all()
    assert [c.id for c in filed] == [first.id]
    assert len(kinds(db, first)) == 1


def test_company_is_matched_by_domain_or_name_not_duplicated(db) -> None:
    companies.create(session=db, name="Comcast", domain="comcast.example")
    by_domain = make_complaint(db, company_name="Comcast Cable", company_domain="comcast.example")
    by_name = make_complaint(db, company_name="COMCAST")
    assert by_domain.company_id == by_name.company_id


def test_close_company_name_needs_a_choice(db) -> None:
    companies.create(session=db, name="Comcast", domain="comcast.example")
    with pytest.raises(companies.CompanyChoiceNeeded) as asked:
        make_complaint(db, company_name="Comcats", accept_new_company=False)
    assert asked.value.suggestions[0].company.name == "Comcast"
    new = make_complaint(db, company_name="Comcats", accept_new_company=True)
    assert companies.get(session=db, company_id=new.company_id).name == "Comcats"


def test_unrelated_names_are_not_suggested(db) -> None:
    companies.create(session=db, name="Comcast")
    assert companies.suggest(session=db, query="Verizon") == []


def test_slugs_stay_unique(db) -> None:
    a = companies.create(session=db, name="Acme")
    b = companies.create(session=db, name="ACME!")
    assert (a.slug, b.slug) == ("acme", "acme-2")


@pytest.mark.parametrize("bad", ["not a domain", "http://", "exa mple.com", "-x-.com"])
def test_bad_domains_are_refused(bad: str) -> None:
    with pytest.raises(companies.DomainError):
        companies.normalize_domain(bad)


def test_full_lifecycle_with_dispute_on_record(db) -> None:
    author, rep = make_user(db), make_user(db)
    t0 = utcnow() - timedelta(days=10)
    complaint = make_complaint(db, author, now=t0)
    complaints.answer(
        session=db,
        complaint=complaint,
        rep=rep,
        body="Looking into it",
        now=t0 + timedelta(hours=5),
    )
    complaints.answer(
        session=db, complaint=complaint, rep=rep, body="Still on it", now=t0 + timedelta(hours=9)
    )
    assert complaint.first_response_at == t0 + timedelta(hours=5)
    complaints.resolve(
        session=db,
        complaint=complaint,
        rep=rep,
        resolution_type=ResolutionType.MONETARY,
        now=t0 + timedelta(days=1),
    )
    complaints.dispute(
        session=db,
        complaint=complaint,
        user=author,
        body="Only half refunded",
        now=t0 + timedelta(days=2),
    )
    assert complaint.state is ComplaintState.DISPUTED
    complaints.resolve(
        session=db,
        complaint=complaint,
        rep=rep,
        resolution_type=ResolutionType.MONETARY,
        now=t0 + timedelta(days=3),
    )
    complaints.confirm(session=db, complaint=complaint, user=author, now=t0 + timedelta(days=4))
    assert complaint.state is ComplaintState.CONFIRMED
    assert complaint.closed_at == t0 + timedelta(days=4)
    assert kinds(db, complaint) == [
        "filed",
        "answer",
        "answer",
        "resolve",
        "dispute",
        "resolve",
        "confirm",
    ]


def test_only_the_author_acts_for_the_consumer(db) -> None:
    complaint = make_complaint(db)
    stranger = make_user(db)
    with pytest.raises(Forbidden):
        complaints.withdraw(session=db, complaint=complaint, user=stranger)
    assert complaint.state is ComplaintState.OPEN


def test_refused_transition_changes_nothing(db) -> None:
    author = make_user(db)
    complaint = make_complaint(db, author)
    with pytest.raises(TransitionError):
        complaints.confirm(session=db, complaint=complaint, user=author)
    assert complaint.state is ComplaintState.OPEN
    assert kinds(db, complaint) == ["filed"]


def test_dispute_needs_a_reason(db) -> None:
    author, rep = make_user(db), make_user(db)
    complaint = make_complaint(db, author)
    complaints.resolve(
        session=db, complaint=complaint, rep=rep, resolution_type=ResolutionType.EXPLANATION
    )
    with pytest.raises(Conflict):
        complaints.dispute(session=db, complaint=complaint, user=author, body="   ")
    assert complaint.state is ComplaintState.RESOLVED


def test_timeline_is_append_only(db) -> None:
    complaint = make_complaint(db)
    event = db.exec(select(TimelineEvent).where(TimelineEvent.complaint_id == complaint.id)).one()
    event.detail = "rewritten history"
    db.add(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()


def test_time_flags(db) -> None:
    now = utcnow()
    fresh = make_complaint(db, now=now - timedelta(days=13))
    late = make_complaint(db, now=now - timedelta(days=15))
    very_late = make_complaint(db, now=now - timedelta(days=29))
    assert not flags(fresh, now=now).overdue
    assert flags(late, now=now).overdue and not flags(late, now=now).very_overdue
    assert flags(very_late, now=now).very_overdue
    complaints.answer(session=db, complaint=late, rep=make_user(db), body="Hi", now=now)
    assert not flags(late, now=now).overdue  # an answer, even a late one, ends "overdue"


def test_resolved_unconfirmed_after_fourteen_days(db) -> None:
    now = utcnow()
    complaint = make_complaint(db, now=now - timedelta(days=30))
    complaints.resolve(
        session=db,
        complaint=complaint,
        rep=make_user(db),
        resolution_type=ResolutionType.EXPLANATION,
        now=now - timedelta(days=15),
    )
    assert flags(complaint, now=now).resolved_unconfirmed
    assert not flags(complaint, now=now - timedelta(days=2)).resolved_unconfirmed


def test_cosigns_count_once_per_user(db) -> None:
    author = make_user(db)
    complaint = make_complaint(db, author)
    fans = [make_user(db) for _ in range(3)]
    for fan in fans:
        assert cosigns.cosign(session=db, complaint=complaint, user=fan)
    assert not cosigns.cosign(session=db, complaint=complaint, user=fans[0])
    assert complaint.cosign_count == 3
    assert cosigns.uncosign(session=db, complaint=complaint, user=fans[1])
    assert complaint.cosign_count == 2
    with pytest.raises(Conflict):
        cosigns.cosign(session=db, complaint=complaint, user=author)


def test_overdue_filter_lists_oldest_unanswered(db) -> None:
    now = utcnow()
    old = make_complaint(db, now=now - timedelta(days=40), title="Oldest unanswered")
    make_complaint(db, now=now - timedelta(days=2), title="Brand new")
    answered = make_complaint(db, now=now - timedelta(days=30), title="Answered late")
    complaints.answer(session=db, complaint=answered, rep=make_user(db), body="Sorry")
    rows, total = searching.search(
        session=db, filters=searching.Filters(overdue=True), oldest_first=True
    )
    assert [c.id for c, _co, _u in rows] == [old.id]
    assert total == 1


def test_headline_numbers_by_hand(db) -> None:
    now = utcnow()
    rep = make_user(db)
    company = companies.create(session=db, name="Tally Co")
    name = {"company_name": "Tally Co"}
    on_time = make_complaint(db, now=now - timedelta(days=20), **name)
    complaints.answer(
        session=db, complaint=on_time, rep=rep, body="Hi", now=now - timedelta(days=19)
    )
    late = make_complaint(db, now=now - timedelta(days=20), **name)
    complaints.answer(session=db, complaint=late, rep=rep, body="Hi", now=now - timedelta(days=1))
    make_complaint(db, now=now - timedelta(days=20), **name)  # unanswered, past deadline
    make_complaint(db, now=now - timedelta(days=1), **name)  # not due yet
    confirmed = make_complaint(db, now=now - timedelta(days=3), **name)
    complaints.resolve(
        session=db,
        complaint=confirmed,
        rep=rep,
        resolution_type=ResolutionType.MONETARY,
        now=now - timedelta(days=2),
    )
    complaints.confirm(
        session=db,
        complaint=confirmed,
        user=db.get(type(rep), confirmed.author_id),
        now=now - timedelta(days=1),
    )
    numbers = live(session=db, company_id=company.id, now=now)
    assert numbers.filed == 5
    assert numbers.open_now == 4
    assert (numbers.timely, numbers.due) == (2, 4)  # on_time and confirmed; late; unanswered
    assert numbers.confirmed == 1
