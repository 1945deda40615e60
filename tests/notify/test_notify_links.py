"""Confirming or disputing a resolution through the emailed link, without logging in."""

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.complaints import company as company_side
from app.complaints import service as complaints
from app.jobs.worker import drain
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, ResolutionType, TimelineEvent
from app.models.token import OneTimeToken, Purpose
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user
from tests.support.forms import csrf_from

if TYPE_CHECKING:
    from tests.support.smtp_server import SmtpServer


LINK = re.compile(r"http://testserver(/r/[A-Za-z0-9_-]+)")


def _resolved(engine: Engine, *, body: str = "We refunded the second charge.") -> int:
    with Session(engine, expire_on_commit=False) as session:
        author = make_user(session, email="ann@example.org", name="Ann")
        complaint = make_complaint(session, author, company_name="Acme Energy")
        company = session.get(Company, complaint.company_id)
        member = make_rep(session, company, public_name="Dana Ortiz")
        rep = session.get(User, member.user_id)
        rep.notify_assignments = False
        company_side.resolve(
            session=session,
            complaint=complaint,
            user=rep,
            resolution_type=ResolutionType.MONETARY,
            body=body,
        )
        session.commit()
        return complaint.id


def _resolve_again(engine: Engine, complaint_id: int) -> None:
    with Session(engine) as session:
        complaint = session.get(Complaint, complaint_id)
        rep = session.get(User, complaint.assignee_id) if complaint.assignee_id else None
        rep = rep or session.exec(select(User).where(User.email != "ann@example.org")).first()
        company_side.resolve(
            session=session,
            complaint=complaint,
            user=rep,
            resolution_type=ResolutionType.EXPLANATION,
            body="Second try.",
        )
        session.commit()


async def _emailed_link(engine: Engine, smtp_server: "SmtpServer") -> str:
    await drain(engine=engine)
    resolution = [
        r for r in smtp_server.received if "says your complaint is resolved" in r.message["Subject"]
    ][-1]
    text_link = LINK.search(resolution.part("plain"))
    html_link = LINK.search(resolution.part("html"))
    assert text_link and html_link and text_link.group(1) == html_link.group(1)
    return text_link.group(1)


def _state(engine: Engine, complaint_id: int) -> ComplaintState:
    with Session(engine) as session:
        return session.get(Complaint, complaint_id).state


def _post(client: TestClient, path: str, data: dict | None = None):
    """POST as this browser would: its CSRF token is bound to its cookie, from any page."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_from(client, "/login")})


async def test_confirming_through_the_emailed_link(
    live_engine: Engine, smtp_server: "SmtpServer", live_client: TestClient
) -> None:
    complaint_id = _resolved(live_engine)
    link = await _emailed_link(live_engine, smtp_server)

    page = live_client.get(link)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Charged twice for March" in page.text
    assert "We refunded the second charge." in page.text
    assert "Yes, it is resolved" in page.text and "It is not resolved" in page.text
    assert _state(live_engine, complaint_id) == ComplaintState.RESOLVED  # GET changes nothing

    forged = live_client.post(f"{link}/confirm", data={})  # no CSRF token: another site's form
    assert forged.status_code == 403
    assert _state(live_engine, complaint_id) == ComplaintState.RESOLVED

    done = _post(live_client, f"{link}/confirm")
    assert done.status_code == 200
    assert "You confirmed" in done.text
    assert _state(live_engine, complaint_id) == ComplaintState.CONFIRMED
    with Session(live_engine) as session:
        author = session.exec(select(User).where(User.email == "ann@example.org")).one()
        confirm = session.exec(
            select(TimelineEvent).where(
                TimelineEvent.complaint_id == complaint_id, TimelineEvent.kind == "confirm"
            )
        ).one()
        assert confirm.actor_id == author.id  # acted as the author, though nobody logged in

    again = live_client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.text
    assert _post(live_client, f"{link}/confirm").status_code == 410


async def test_disputing_through_the_emailed_link_needs_a_reason(
    live_engine: Engine, smtp_server: "SmtpServer", live_client: TestClient
) -> None:
    complaint_id = _resolved(live_engine)
    link = await _emailed_link(live_engine, smtp_server)

    refused = _post(live_client, f"{link}/dispute", {"body": "   "})
    assert refused.status_code == 422
    assert "Please say why the problem is not resolved." in refused.text
    assert _state(live_engine, complaint_id) == ComplaintState.RESOLVED
    assert live_client.get(link).status_code == 200  # the link was not used up

    done = _post(live_client, f"{link}/dispute", {"body": "Only half was refunded."})
    assert done.status_code == 200 and "open again" in done.text
    assert _state(live_engine, complaint_id) == ComplaintState.DISPUTED
    public = live_client.get(f"/complaints/{complaint_id}").text
    assert "Only half was refunded." in public
    assert live_client.get(link).status_code == 410


async def test_an_expired_link_is_refused_and_changes_nothing(
    live_engine: Engine, smtp_server: "SmtpServer", live_client: TestClient
) -> None:
    complaint_id = _resolved(live_engine)
    link = await _emailed_link(live_engine, smtp_server)
    with Session(live_engine) as session:
        (token,) = session.exec(
            select(OneTimeToken).where(OneTimeToken.purpose == Purpose.CONFIRM_RESOLUTION)
        ).all()
        assert token.expires_at - token.created_at >= timedelta(days=29)
        token.expires_at = utcnow() - timedelta(seconds=1)
        session.add(token)
        session.commit()

    page = live_client.get(link)
    assert page.status_code == 410 and "expired" in page.text
    assert _post(live_client, f"{link}/confirm").status_code == 410
    assert _state(live_engine, complaint_id) == ComplaintState.RESOLVED


def test_a_made_up_link_is_refused(live_client: TestClient) -> None:
    page = live_client.get("/r/not-a-real-token-at-all")
    assert page.status_code == 404
    assert "This link is not valid" in page.text


async def test_a_link_to_a_complaint_already_answered_on_the_site_says_so(
    live_engine: Engine, smtp_server: "SmtpServer", live_client: TestClient
) -> None:
    complaint_id = _resolved(live_engine)
    link = await _emailed_link(live_engine, smtp_server)
    with Session(live_engine) as session:
        complaint = session.get(Complaint, complaint_id)
        author = session.get(User, complaint.author_id)
        complaints.confirm(session=session, complaint=complaint, user=author)
        session.commit()

    page = live_client.get(link)
    assert page.status_code == 409
    assert "no longer waiting for your answer: it is confirmed resolved" in page.text
    assert f'href="/complaints/{complaint_id}"' in page.text


async def test_only_the_newest_resolutions_link_works(
    live_engine: Engine, smtp_server: "SmtpServer", live_client: TestClient
) -> None:
    complaint_id = _resolved(live_engine)
    first = await _emailed_link(live_engine, smtp_server)
    assert _post(live_client, f"{first}/dispute", {"body": "Not refunded."}).status_code == 200

    _resolve_again(live_engine, complaint_id)
    second = await _emailed_link(live_engine, smtp_server)
    assert second != first

    # A link from before the dispute cannot confirm the new resolution (it was used anyway);
    # an unused older link would be refused as stale.
    with Session(live_engine) as session:
        tokens = session.exec(select(OneTimeToken).order_by(col(OneTimeToken.id))).all()
        assert len(tokens) == 2 and tokens[0].used_at is not None
        tokens[0].used_at = None  # pretend the first link had never been used
        session.add(tokens[0])
        session.commit()
    stale = live_client.get(first)
    assert stale.status_code == 409 and "earlier resolution" in stale.text

    assert _post(live_client, f"{second}/confirm").status_code == 200
    assert _state(live_engine, complaint_id) == ComplaintState.CONFIRMED
