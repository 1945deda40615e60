"""Whose turn it is: derived from the timeline, shown to the consumer and the reps, mailed once."""

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.clock import utcnow
from app.complaints import company as company_side
from app.complaints import service as complaints
from app.complaints.turn import Step, derive
from app.config import get_settings
from app.jobs.worker import drain
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, ResolutionType, Side, Turn, TurnWhy
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form

if TYPE_CHECKING:
    from tests.support.smtp_server import SmtpServer


T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# The rule, as a pure function ------------------------------------------------------------------


def test_the_turn_follows_the_conversation() -> None:
    def turn_after(*steps: Step, state: ComplaintState = ComplaintState.ANSWERED):
        result = derive(state, steps, published_at=T0)
        return result.turn, result.why, result.since

    filed = Step("filed", Side.CONSUMER, T0)
    assert turn_after(filed, state=ComplaintState.OPEN) == (Turn.COMPANY, TurnWhy.NEW, T0)
    # More detail before any answer: still the first wait, from publication.
    more = Step("follow_up", Side.CONSUMER, at(1))
    assert turn_after(filed, more, state=ComplaintState.OPEN) == (Turn.COMPANY, TurnWhy.NEW, T0)
    ask = Step("answer", Side.COMPANY, at(2), info_request=True)
    assert turn_after(filed, ask) == (Turn.CONSUMER, TurnWhy.INFO_REQUESTED, at(2))
    answer1 = Step("follow_up", Side.CONSUMER, at(5))
    answer2 = Step("follow_up", Side.CONSUMER, at(6))
    # Waiting since their first unanswered message, however many follow.
    assert turn_after(filed, ask, answer1, answer2) == (
        Turn.COMPANY,
        TurnWhy.CUSTOMER_REPLIED,
        at(5),
    )
    reply = Step("answer", Side.COMPANY, at(7))
    assert turn_after(filed, ask, answer1, reply) == (Turn.COMPANY, TurnWhy.ANSWERED, at(5))
    resolve = Step("resolve", Side.COMPANY, at(8))
    assert turn_after(filed, resolve, state=ComplaintState.RESOLVED) == (
        Turn.CONSUMER,
        TurnWhy.RESOLVED,
        at(8),
    )
    # A word after resolving leaves the confirmation to the consumer.
    after = Step("answer", Side.COMPANY, at(9))
    assert turn_after(filed, resolve, after, state=ComplaintState.RESOLVED)[1] is TurnWhy.RESOLVED
    dispute = Step("dispute", Side.CONSUMER, at(10))
    assert turn_after(filed, resolve, dispute, state=ComplaintState.DISPUTED) == (
        Turn.COMPANY,
        TurnWhy.CUSTOMER_REPLIED,
        at(10),
    )
    confirm = Step("confirm", Side.CONSUMER, at(11))
    assert turn_after(filed, resolve, confirm, state=ComplaintState.CONFIRMED)[0] is Turn.NOBODY
    # An assignment is nobody speaking.
    assign = Step("assign", Side.COMPANY, at(3))
    assert turn_after(filed, ask, assign)[1] is TurnWhy.INFO_REQUESTED


# Stored and shown ------------------------------------------------------------------------------


def _scene(db: Session):
    author = make_user(db, name="Priya J.")
    complaint = make_complaint(db, author, company_name="Maple Post", title="Parcel lost")
    company = db.get(Company, complaint.company_id)
    rep = db.get(User, make_rep(db, company, public_name="Dana Ortiz").user_id)
    return author, complaint, company, rep


def test_the_ticket_and_my_complaints_say_whose_turn_it_is(db: Session, client) -> None:
    author, complaint, _, rep = _scene(db)
    other = make_complaint(db, author, company_name="Maple Post", title="Another parcel lost")
    db.commit()
    login(client, author)
    page = client.get(f"/complaints/{complaint.id}").text
    assert "Waiting for Maple Post" in page and "it has not answered yet" in page

    company_side.reply(
        session=db, complaint=complaint, user=rep, body="Which tracking number?", info_request=True
    )
    db.commit()
    page = client.get(f"/complaints/{complaint.id}").text
    assert "Waiting for you" in page
    assert re.search(r'id="follow-private" name="private" checked', page)  # private by default
    mine = client.get("/me/complaints").text
    assert "Waiting for you" in mine and "Waiting for Maple Post" in mine
    only_mine = client.get("/me/complaints?turn=mine").text
    assert "Parcel lost" in only_mine and "Another parcel lost" not in only_mine
    assert str(other.id) not in re.findall(r'href="/complaints/(\d+)"', only_mine)

    client.cookies.clear()  # the public sees whose turn, named
    public = client.get(f"/complaints/{complaint.id}").text
    assert "Waiting for Priya J." in public


def test_customer_replied_is_its_own_queue_longest_wait_first(db: Session, client) -> None:
    author, first, company, rep = _scene(db)
    second = make_complaint(db, author, company_name="Maple Post", title="Second parcel")
    plain = make_complaint(db, author, company_name="Maple Post", title="Third parcel")
    now = utcnow()
    for complaint, replied_hours_ago in ((first, 1), (second, 5)):
        company_side.reply(
            session=db,
            complaint=complaint,
            user=rep,
            body="Which one?",
            info_request=True,
            now=now - timedelta(hours=10),
        )
        complaints.follow_up(
            session=db,
            complaint=complaint,
            user=author,
            body="SK482913",
            private=True,
            now=now - timedelta(hours=replied_hours_ago),
        )
    company_side.reply(session=db, complaint=plain, user=rep, body="On it.")
    db.commit()
    assert (first.turn, first.turn_why) == (Turn.COMPANY, TurnWhy.CUSTOMER_REPLIED)
    assert (plain.turn, plain.turn_why) == (Turn.COMPANY, TurnWhy.ANSWERED)

    login(client, rep)
    page = client.get(f"/dashboard/{company.slug}?queue=replied").text
    assert re.findall(r'data-complaint="(\d+)"', page) == [str(second.id), str(first.id)]
    assert "customer replied 5 hours" in page
    assert re.search(r'data-queue="replied"[^>]*>Customer replied \(<span class="count">2<', page)


def test_the_api_and_webhook_shape_carries_the_turn(db: Session, client) -> None:
    _, complaint, _, rep = _scene(db)
    company_side.reply(session=db, complaint=complaint, user=rep, body="Which?", info_request=True)
    db.commit()
    data = client.get(f"/api/v1/complaints/{complaint.id}").json()
    assert data["waiting_for"] == "consumer"
    assert data["waiting_reason"] == "info_requested"
    assert data["waiting_since"].startswith(str(complaint.turn_since.date()))


# Mail, batched ---------------------------------------------------------------------------------


@pytest.fixture
def no_delay(monkeypatch) -> None:
    monkeypatch.setenv("OUTCRY_TURN_MAIL_DELAY_MINUTES", "0")
    get_settings.cache_clear()


def _live_scene(engine: Engine):
    with Session(engine, expire_on_commit=False) as session:
        author = make_user(session, email="priya@example.org", name="Priya J.")
        complaint = make_complaint(session, author, company_name="Maple Post", title="Parcel lost")
        company = session.get(Company, complaint.company_id)
        owner = session.get(
            User, make_rep(session, company, role=Role.OWNER, public_name="Olu Owner").user_id
        )
        rep = session.get(User, make_rep(session, company, public_name="Dana Ortiz").user_id)
        session.commit()
        return author, complaint, owner, rep


async def test_the_consumer_is_mailed_once_when_it_becomes_their_turn(
    live_engine: Engine, smtp_server: "SmtpServer", no_delay
) -> None:
    _, complaint, _, rep = _live_scene(live_engine)
    await drain(engine=live_engine)
    before = len(smtp_server.received)
    with Session(live_engine, expire_on_commit=False) as session:
        c = session.get(Complaint, complaint.id)
        rep = session.get(User, rep.id)
        company_side.reply(
            session=session, complaint=c, user=rep, body="Flight?", info_request=True
        )
        company_side.reply(
            session=session, complaint=c, user=rep, body="And the bag tag?", info_request=True
        )
        session.commit()
    await drain(engine=live_engine)
    mails = [r for r in smtp_server.received[before:] if "priya@example.org" in r.rcpt_tos]
    assert [m.message["Subject"] for m in mails] == [
        "Waiting for you: Maple Post needs more information: Parcel lost"
    ]
    text = mails[0].part("plain")
    assert "And the bag tag?" in text and "private by default" in text


async def test_reps_are_mailed_once_when_the_consumer_answers(
    live_engine: Engine, smtp_server: "SmtpServer", no_delay
) -> None:
    author, complaint, owner, rep = _live_scene(live_engine)
    with Session(live_engine, expire_on_commit=False) as session:
        c = session.get(Complaint, complaint.id)
        company_side.resolve(
            session=session,
            complaint=c,
            user=session.get(User, rep.id),
            resolution_type=ResolutionType.EXPLANATION,
        )
        c.assignee_id = None  # nobody owns it: the owners hear of the dispute
        session.commit()
    await drain(engine=live_engine)
    before = len(smtp_server.received)
    with Session(live_engine, expire_on_commit=False) as session:
        c = session.get(Complaint, complaint.id)
        me = session.get(User, author.id)
        complaints.dispute(session=session, complaint=c, user=me, body="Still no parcel.")
        complaints.follow_up(
            session=session, complaint=c, user=me, body="Tracking QX7PLM.", private=True
        )
        session.commit()
    await drain(engine=live_engine)
    mails = smtp_server.received[before:]
    assert [(m.rcpt_tos, m.message["Subject"]) for m in mails] == [
        ([owner.email], f"Priya J. replied: #{complaint.id} Parcel lost")
    ]
    text = mails[0].part("plain")
    assert "Still no parcel." in text and "Tracking QX7PLM." in text
    assert "private: never quote it publicly" in text and "nobody owns it" in text

    # Once a rep owns it, the next reply goes to them alone.
    with Session(live_engine, expire_on_commit=False) as session:
        c = session.get(Complaint, complaint.id)
        dana = session.get(User, rep.id)
        company_side.reply(session=session, complaint=c, user=dana, body="Looking.")
        complaints.follow_up(
            session=session, complaint=c, user=session.get(User, author.id), body="Thanks."
        )
        session.commit()
    await drain(engine=live_engine)
    latest = smtp_server.received[-1]
    assert latest.rcpt_tos == [rep.email] and "(you own it)" in latest.part("plain")
    with Session(live_engine) as session:
        assert session.exec(
            select(Complaint.turn_why).where(Complaint.id == complaint.id)
        ).one() == (TurnWhy.CUSTOMER_REPLIED)


def test_the_consumer_adds_or_corrects_their_private_reference(db: Session, client) -> None:
    author, complaint, _, _ = _scene(db)
    db.commit()
    login(client, author)
    ticket = f"/complaints/{complaint.id}"
    for reference in ("MP-7781-2213", "MP-7781-2231"):  # a typo, then the correction
        response = post_form(client, f"{ticket}/reference", {"reference": reference}, page=ticket)
        assert response.status_code == 303
    db.refresh(complaint)
    assert complaint.private_reference == "MP-7781-2231"
    assert 'value="MP-7781-2231"' in client.get(ticket).text
    client.cookies.clear()
    assert "MP-7781" not in client.get(ticket).text


# One form, one message ---------------------------------------------------------------------------


def test_back_then_post_again_makes_one_follow_up_and_one_reply(db: Session, client) -> None:
    author, complaint, company, rep = _scene(db)
    db.commit()
    login(client, author)
    ticket = f"/complaints/{complaint.id}"
    key = re.search(r'name="submission_key" value="(\w+)"', client.get(ticket).text).group(1)
    for _ in range(2):  # the browser's Back, then the same form posted again
        sent = post_form(
            client,
            f"{ticket}/follow-up",
            {"body": "Tracking QX7PLM.", "submission_key": key},
            page=ticket,
        )
        assert sent.status_code == 303
    assert client.get(ticket).text.count("Tracking QX7PLM.") == 1
    fresh = re.search(r'name="submission_key" value="(\w+)"', client.get(ticket).text).group(1)
    assert fresh != key  # the next follow-up is a new message

    client.cookies.clear()
    login(client, rep)
    view = f"/dashboard/{company.slug}/complaints/{complaint.id}"
    key = re.search(r'name="submission_key" value="(\w+)"', client.get(view).text).group(1)
    for _ in range(2):
        sent = post_form(
            client, f"{view}/reply", {"body": "Found it.", "submission_key": key}, page=view
        )
        assert sent.status_code == 303
    assert client.get(view).text.count("Found it.") == 1
