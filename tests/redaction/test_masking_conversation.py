"""Masking that protects without destroying the conversation: the complaint's private reference
is masked whoever writes it and however it is typed; public names and event dates stay."""

from sqlmodel import Session, col, select

from app.complaints import company as company_side
from app.complaints import private, reading
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import Message
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user


def _scene(db: Session):
    author = make_user(db, name="Priya J.")
    complaint = make_complaint(
        db, author, company_name="Maple Post", private_reference="MP-7781-2231"
    )
    company = db.get(Company, complaint.company_id)
    rep = db.get(User, make_rep(db, company, public_name="Dana Ortiz").user_id)
    return author, complaint, rep


def test_a_rep_cannot_publish_the_private_reference(db: Session) -> None:
    _, complaint, rep = _scene(db)
    for typed in ("MP-7781-2231", "mp77812231", "MP 7781 2231", "XMP-7781-2231-GB"):
        company_side.reply(
            session=db, complaint=complaint, user=rep, body=f"Hello Priya, we found {typed}."
        )
        message = db.exec(select(Message).order_by(col(Message.id).desc())).first()
        assert "7781" not in message.body, typed
        assert message.body.startswith("Hello Priya, we found "), message.body  # name stays
        assert "[private reference]" in message.body


def test_event_dates_and_times_stay_in_follow_ups(db: Session) -> None:
    author, complaint, _ = _scene(db)
    message = complaints.follow_up(
        session=db,
        complaint=complaint,
        user=author,
        body="Tried on 2 Dec at 9:15; the 3 Dec charge is still there. Dana Ortiz promised a call.",
    )
    assert message.body == (
        "Tried on 2 Dec at 9:15; the 3 Dec charge is still there. Dana Ortiz promised a call."
    )


def test_a_corrected_reference_is_masked_where_it_was_already_quoted(db: Session) -> None:
    author, complaint, rep = _scene(db)
    company_side.reply(session=db, complaint=complaint, user=rep, body="Is it QX7PLM-9?")
    private.set_reference(session=db, complaint=complaint, user=author, reference="QX7PLM9")
    bodies = [m.body for _, m, _ in reading.timeline(session=db, complaint=complaint) if m]
    assert bodies == ["Is it [private reference]?"]
