"""The notice form, the complainant's status page, the poster's answer page and the moderators'
queue, through HTTP as people use them."""

import asyncio
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.clock import utcnow
from app.jobs.periodic import ensure_scheduled
from app.jobs.worker import drain
from app.models.complaint import Complaint
from app.models.takedown import NoticeStatus, TakedownNotice
from app.models.user import User
from app.takedown import jobs as jobs_module
from app.takedown import notices, procedure
from tests.support.factories import PASSWORD, login, make_complaint, make_user
from tests.support.forms import csrf_from, post_form
from tests.support.takedown_helpers import NOTICE, file_notice, takedown_mails

FORM = {
    **{k: v for k, v in NOTICE.items() if k not in ("consent_to_poster", "confirm", "inaccuracy")},
    "inaccuracy": "factually_inaccurate",
    "confirm": "on",
}


@pytest.fixture
def complaint(db: Session) -> Complaint:
    author = make_user(db, email="poster@example.org", name="Pat Poster")
    return make_complaint(db, author)


def _new(complaint: Complaint) -> str:
    return f"/takedown/new?complaint={complaint.id}"


def _status_path(db: Session) -> str:
    (ack,) = [m for m in takedown_mails(db) if m["subject"].startswith("We received")]
    return re.search(r"http://testserver(/takedown/status/\S+)", ack["text"]).group(1)


def test_anyone_can_file_a_notice_and_follow_it_by_its_secret_link(
    client: TestClient, db: Session, complaint: Complaint
) -> None:
    page = client.get(f"/complaints/{complaint.id}")
    assert f'href="/takedown/new?complaint={complaint.id}"' in page.text
    assert "Report defamation (legal notice)" in page.text

    response = post_form(client, _new(complaint), FORM)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/takedown/status/")
    assert response.headers["location"] == _status_path(db)  # the acknowledgement's link

    status = client.get(response.headers["location"])
    assert status.status_code == 200
    assert "Notice received" in status.text
    assert status.headers["referrer-policy"] == "no-referrer"  # the path is the secret
    assert "Northwind steals from its customers on purpose." in status.text
    notice = db.exec(select(TakedownNotice)).one()
    assert notice.status is NoticeStatus.RECEIVED and notice.consent_to_poster is False
    assert notice.token_hash not in response.headers["location"]  # only the hash is stored

    procedure.tick(session=db, now=utcnow())
    status = client.get(response.headers["location"])
    assert "Notice sent to the poster" in status.text
    assert "Complainant told it was sent" in status.text


def test_a_wrong_status_link_is_404(client: TestClient) -> None:
    assert client.get("/takedown/status/not-a-real-token").status_code == 404


def test_validation_errors_keep_everything_typed(
    client: TestClient, db: Session, complaint: Complaint
) -> None:
    typed = {**FORM, "complainant_email": "not-an-address", "meaning": "", "confirm": ""}
    typed["consent_to_poster"] = "on"
    response = post_form(client, _new(complaint), typed)
    assert response.status_code == 422
    assert "Please correct the 3 fields" in response.text
    assert "Please confirm this to send the notice." in response.text
    assert 'value="not-an-address"' in response.text
    assert "Northwind steals from its customers on purpose." in response.text
    assert "The double charge was a billing error" in response.text
    assert re.search(r'name="consent_to_poster" checked', response.text)
    assert db.exec(select(TakedownNotice)).first() is None
    assert takedown_mails(db) == []


def test_no_notice_form_for_a_missing_complaint(client: TestClient) -> None:
    assert client.get("/takedown/new?complaint=999999").status_code == 404
    assert client.get("/takedown/new").status_code == 404


def test_the_form_needs_a_csrf_token(client: TestClient, complaint: Complaint) -> None:
    client.get(_new(complaint))
    response = client.post(_new(complaint), data=FORM)
    assert response.status_code == 403


def _forwarded(db: Session, complaint: Complaint, **overrides) -> TakedownNotice:
    notice, _ = file_notice(db, complaint, now=utcnow(), **overrides)
    procedure.tick(session=db, now=utcnow())
    assert notice.status is NoticeStatus.FORWARDED
    return notice


def test_only_the_poster_may_answer(
    client: TestClient, other_client: TestClient, db: Session, complaint: Complaint
) -> None:
    notice, _ = file_notice(db, complaint, now=utcnow())
    path = f"/takedown/{notice.id}/answer"
    poster = db.get(User, complaint.author_id)
    login(client, poster)
    assert client.get(path).status_code == 404  # not forwarded yet
    procedure.tick(session=db, now=utcnow())
    assert client.get(path).status_code == 200

    stranger = make_user(db)
    login(other_client, stranger)
    assert other_client.get(path).status_code == 404
    token = csrf_from(other_client, "/")
    refused = other_client.post(path, data={"choice": "remove", "csrf_token": token})
    assert refused.status_code == 404
    assert db.get(TakedownNotice, notice.id).status is NoticeStatus.FORWARDED
    assert client.get("/takedown/999999/answer").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, db: Session, complaint) -> None:
    notice = _forwarded(db, complaint)
    response = client.get(f"/takedown/{notice.id}/answer", follow_redirects=False)
    assert response.status_code in (303, 307)
    assert "/login" in response.headers["location"]


def test_the_poster_keeps_it_and_the_complainant_sees_their_details_with_consent(
    client: TestClient, other_client: TestClient, db: Session, complaint: Complaint
) -> None:
    post_form(other_client, _new(complaint), FORM)
    status_path = _status_path(db)
    procedure.tick(session=db, now=utcnow())
    notice = db.exec(select(TakedownNotice)).one()
    path = f"/takedown/{notice.id}/answer"

    login(client, db.get(User, complaint.author_id))
    page = client.get(path)
    assert "legal@northwind.example" not in page.text  # the complainant did not consent
    assert "did not agree to give you their name" in page.text

    # Keeping without an address is refused, and what was typed stays.
    incomplete = post_form(client, path, {"choice": "keep", "full_name": "Patricia Poster"})
    assert incomplete.status_code == 422
    assert "give your full name and postal address" in incomplete.text
    assert 'value="Patricia Poster"' in incomplete.text

    answer = {
        "choice": "keep",
        "full_name": "Patricia Poster",
        "address": "1 High Street, Leeds LS1 1AA",
        "consent": "on",
    }
    assert post_form(client, path, answer).status_code == 303
    status = other_client.get(status_path)
    assert "The poster objected" in status.text
    assert "High Street" not in status.text  # not before the complainant is told
    procedure.tick(session=db, now=utcnow())
    status = other_client.get(status_path)
    assert "Complainant told of the objection" in status.text
    assert "Patricia Poster" in status.text and "1 High Street, Leeds LS1 1AA" in status.text
    # The public page never shows any of it.
    public = other_client.get(f"/complaints/{complaint.id}").text
    assert "Patricia" not in public and "legal@northwind.example" not in public
    # A second answer is refused.
    again = post_form(client, path, {"choice": "remove"}, page="/")
    assert again.status_code == 409
    assert "already been answered" in again.text
    assert db.get(TakedownNotice, notice.id).status is NoticeStatus.KEPT


def test_without_consent_the_complainant_never_sees_the_posters_details(
    client: TestClient, other_client: TestClient, db: Session, complaint: Complaint
) -> None:
    post_form(other_client, _new(complaint), {**FORM, "consent_to_poster": "on"})
    status_path = _status_path(db)
    procedure.tick(session=db, now=utcnow())
    notice = db.exec(select(TakedownNotice)).one()
    path = f"/takedown/{notice.id}/answer"
    login(client, db.get(User, complaint.author_id))
    assert "Northwind Telecom Ltd &lt;legal@northwind.example&gt;" in client.get(path).text
    answer = {"choice": "keep", "full_name": "Patricia Poster", "address": "1 High Street"}
    assert post_form(client, path, answer).status_code == 303
    procedure.tick(session=db, now=utcnow())
    status = other_client.get(status_path).text
    assert "did not agree that we give you their name and address" in status
    assert "Patricia" not in status and "High Street" not in status


def test_the_poster_agrees_and_the_complaint_comes_down(
    client: TestClient, db: Session, complaint: Complaint
) -> None:
    notice = _forwarded(db, complaint)
    login(client, db.get(User, complaint.author_id))
    path = f"/takedown/{notice.id}/answer"
    assert post_form(client, path, {"choice": "remove"}).status_code == 303
    assert "You agreed to its removal." in client.get(path).text
    procedure.tick(session=db, now=utcnow() + timedelta(minutes=1))
    page = client.get(f"/complaints/{complaint.id}")
    assert "its author agreed to remove it" in page.text


def test_moderators_see_every_notice_others_do_not(
    client: TestClient, other_client: TestClient, db: Session, complaint: Complaint
) -> None:
    notice = _forwarded(db, complaint)
    notices.answer(
        session=db,
        notice=notice,
        data=notices.AnswerIn(keep=True, full_name="Patricia Poster", address="1 High Street"),
    )
    moderator = make_user(db)
    moderator.is_moderator = True
    db.add(moderator)
    login(client, moderator, PASSWORD)
    queue = client.get("/moderation/notices")
    assert queue.status_code == 200
    assert f"complaint #{complaint.id}" in queue.text and "objected" in queue.text
    assert "Patricia Poster, 1 High Street" in queue.text  # moderators see the private answer
    assert "legal@northwind.example" in queue.text
    login(other_client, make_user(db))
    assert other_client.get("/moderation/notices").status_code == 404


def test_the_periodic_tick_is_scheduled_and_runs(db: Session, complaint: Complaint) -> None:
    notice, _ = file_notice(db, complaint, now=utcnow())
    jobs = [j for j in ensure_scheduled(session=db) if j.kind == jobs_module.TICK]
    assert len(jobs) == 1
    db.commit()
    assert asyncio.run(drain(engine=db.get_bind(), kinds=[jobs_module.TICK])) == 1
    db.expire_all()
    assert db.get(TakedownNotice, notice.id).status is NoticeStatus.FORWARDED
