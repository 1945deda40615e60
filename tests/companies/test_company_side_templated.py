"""Templated replies: the rule's boundaries, and the marker on the public page."""

import time
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import company as company_side
from app.complaints import templated
from app.models.company import Company
from app.models.complaint import Message, ResolutionType, Side
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import make_complaint, make_rep

STOCK = (
    "Dear {name}, thank you for reaching out. We have escalated your case to our billing team "
    "and will get back to you within 48 hours."
)


# The rule on its own ---------------------------------------------------------------------------


def test_a_score_of_exactly_90_is_near_identical_and_just_below_is_not() -> None:
    # One token each, so token_set_ratio is the plain ratio: 2*9/20 = 90.0 and 2*8/18 = 88.9.
    assert templated.near_identical("abcdefghij", "abcdefghik")
    assert not templated.near_identical("abcdefghi", "abcdefghx")


def test_case_and_punctuation_do_not_matter() -> None:
    assert templated.near_identical("We are SORRY, truly!", "we are sorry truly")


def test_a_stock_sentence_inside_a_much_longer_reply_is_not_near_identical() -> None:
    # token_set_ratio is 100 for both (a subset); the length guard decides at exactly half.
    assert templated.near_identical("abcdefghij", "abcdefghij xxxxxxxxx")  # 10 vs 20 chars
    assert not templated.near_identical("abcdefghij", "abcdefghij xxxxxxxxxx")  # 10 vs 21


def test_empty_texts_never_match() -> None:
    assert not templated.near_identical("", "")
    assert not templated.near_identical("!!!", "???")  # nothing left once punctuation goes


def test_three_matching_earlier_replies_make_it_templated_two_do_not() -> None:
    body = STOCK.format(name="Maria")
    same = [STOCK.format(name=n) for n in ("John", "Ana", "Lee")]
    other = "Your refund of 42 EUR was sent today to the card ending 1234."
    assert templated.matches_enough(body, [*same, other])
    assert not templated.matches_enough(body, [same[0], other, same[1], other])


# Against the database --------------------------------------------------------------------------


@pytest.fixture
def acme_and_rep(db: Session) -> tuple[Company, User]:
    company = companies.create(session=db, name="Acme")
    rep = make_rep(db, company, role=Role.OWNER, public_name="Dana Ortiz")
    return company, db.get(User, rep.user_id)


def _reply(db: Session, company: Company, rep: User, body: str, **kw) -> Message:
    complaint = make_complaint(db, company_name=company.name, **kw)
    company_side.reply(session=db, complaint=complaint, user=rep, body=body)
    return db.exec(
        select(Message).where(Message.complaint_id == complaint.id, Message.side == Side.COMPANY)
    ).one()


def test_the_fourth_copy_of_a_stock_reply_is_marked(db, acme_and_rep) -> None:
    company, rep = acme_and_rep
    first_three = [_reply(db, company, rep, STOCK.format(name=n)) for n in ("John", "Ana", "Lee")]
    assert [m.templated for m in first_three] == [False, False, False]
    assert _reply(db, company, rep, STOCK.format(name="Maria")).templated is True
    # A personal answer from the same company is not.
    personal = "Maria, I refunded the second March charge myself; it shows on your card Friday."
    assert _reply(db, company, rep, personal).templated is False


def test_other_companies_and_consumers_replies_do_not_count(db, acme_and_rep) -> None:
    company, rep = acme_and_rep
    globex = companies.create(session=db, name="Globex")
    globex_rep = db.get(User, make_rep(db, globex).user_id)
    for name in ("John", "Ana", "Lee"):
        _reply(db, globex, globex_rep, STOCK.format(name=name))
    complaint = make_complaint(db, company_name="Acme")
    for name in ("John", "Ana", "Lee"):  # the consumer quoting the stock text back
        db.add(
            Message(
                complaint_id=complaint.id,
                author_id=complaint.author_id,
                side=Side.CONSUMER,
                body=STOCK.format(name=name),
            )
        )
    db.flush()
    assert _reply(db, company, rep, STOCK.format(name="Maria")).templated is False


def _history(db: Session, company: Company, rep: User, bodies: list[str]) -> None:
    """Earlier company replies, oldest first, one second apart, ending a minute ago."""
    complaint = make_complaint(db, company_name=company.name)
    start = utcnow() - timedelta(minutes=1, seconds=len(bodies))
    for i, body in enumerate(bodies):
        db.add(
            Message(
                complaint_id=complaint.id,
                author_id=rep.id,
                side=Side.COMPANY,
                body=body,
                created_at=start + timedelta(seconds=i),
            )
        )
    db.flush()


def _distinct(n: int) -> list[str]:
    return [f"Parcel {i} left our depot." for i in range(n)]


@pytest.mark.parametrize(("distinct", "expected"), [(197, True), (198, False)])
def test_only_the_last_200_replies_count(db, acme_and_rep, distinct: int, expected: bool) -> None:
    """The oldest of three matches is reply number 200 (counts) or 201 (does not)."""
    company, rep = acme_and_rep
    bodies = [STOCK.format(name="John"), *_distinct(distinct)]
    bodies += [STOCK.format(name="Ana"), STOCK.format(name="Lee")]
    _history(db, company, rep, bodies)
    assert len(bodies) == 200 + (not expected)
    complaint = make_complaint(db, company_name="Acme")
    company_side.reply(session=db, complaint=complaint, user=rep, body=STOCK.format(name="Maria"))
    message = db.exec(select(Message).where(Message.complaint_id == complaint.id)).one()
    assert message.templated is expected


def test_a_stock_resolution_message_is_marked_too(db, acme_and_rep) -> None:
    company, rep = acme_and_rep
    _history(db, company, rep, [STOCK.format(name=n) for n in ("John", "Ana", "Lee")])
    complaint = make_complaint(db, company_name="Acme")
    company_side.resolve(
        session=db,
        complaint=complaint,
        user=rep,
        resolution_type=ResolutionType.EXPLANATION,
        body=STOCK.format(name="Maria"),
    )
    message = db.exec(select(Message).where(Message.complaint_id == complaint.id)).one()
    assert message.templated is True


def test_the_public_page_says_templated_reply(db, client, acme_and_rep) -> None:
    company, rep = acme_and_rep
    _history(db, company, rep, [STOCK.format(name=n) for n in ("John", "Ana", "Lee")])
    stock = make_complaint(db, company_name="Acme")
    company_side.reply(session=db, complaint=stock, user=rep, body=STOCK.format(name="Maria"))
    personal = make_complaint(db, company_name="Acme")
    company_side.reply(session=db, complaint=personal, user=rep, body="I refunded it myself.")
    assert "templated reply" in client.get(f"/complaints/{stock.id}").text
    assert "templated reply" not in client.get(f"/complaints/{personal.id}").text


def test_detection_over_a_full_window_is_fast(db, acme_and_rep) -> None:
    """Measured: checking one reply against 200 earlier ones (the window's worst case)."""
    company, rep = acme_and_rep
    _history(db, company, rep, _distinct(200))
    body = STOCK.format(name="Maria")
    started = time.perf_counter()
    for _ in range(10):
        assert not templated.is_templated(
            session=db, company_id=company.id, body=body, now=utcnow()
        )
    per_check = (time.perf_counter() - started) / 10
    print(f"templated check against {templated.WINDOW} replies: {per_check * 1000:.1f} ms")
    assert per_check < 0.5
