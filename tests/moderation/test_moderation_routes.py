"""Moderation through the browser's routes: reporting, who may moderate, tombstones everywhere
the public looks (pages, API, lists, feeds), the public log, locked threads, suspended users."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import Visibility
from app.models.job import Job
from app.models.moderation import ModerationAction, Report, ReportReason, ReportStatus
from app.models.user import User
from app.moderation import reports
from app.moderation import service as moderation
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import csrf_from, post_form

TITLE = "Zephyrcorp engineer lied about the Quimby upgrade"
BODY = "The Zephyrcorp engineer told me lies about the Quimby upgrade and my broadband contract."


@pytest.fixture
def mod(db: Session):
    user = make_user(db, name="Mo Derator")
    user.is_moderator = True
    db.add(user)
    db.flush()
    return user


@pytest.fixture
def complaint(db: Session):
    author = make_user(db, email="filer@example.org", name="Filer")
    return make_complaint(db, author, title=TITLE, body=BODY)


def _hide(db: Session, complaint, mod, grade=Visibility.HIDDEN, reason="Names a private person"):
    moderation.set_visibility(
        session=db, complaint=complaint, visibility=grade, reason=reason, actor=mod
    )


# Reporting -----------------------------------------------------------------------------------


def test_anyone_can_report_and_gets_an_acknowledgement(
    client: TestClient, db: Session, complaint
) -> None:
    page = client.get(f"/complaints/{complaint.id}")
    assert f'href="/reports/new?complaint={complaint.id}"' in page.text
    data = {"complaint": complaint.id, "reason": "personal_data", "detail": "", "email": ""}
    refused = post_form(client, "/reports", data, page=f"/reports/new?complaint={complaint.id}")
    assert refused.status_code == 409
    assert "Please explain what is wrong" in refused.text
    data.update(detail="It names an engineer and his home address.", email="me@example.org")
    done = post_form(client, "/reports", data, page=f"/reports/new?complaint={complaint.id}")
    assert done.status_code == 201
    report = db.exec(select(Report)).one()
    assert f"report #{report.id} received" in done.text
    assert "We will email you what we decided" in done.text
    assert (report.reporter_email, report.reporter_id, report.status) == (
        "me@example.org",
        None,
        ReportStatus.OPEN,
    )


def test_a_signed_in_user_reports_a_message(client: TestClient, db: Session, complaint) -> None:
    author = complaint.author_id

    message = complaints.follow_up(
        session=db, complaint=complaint, user=db.get(User, author), body="A follow-up text."
    )
    reporter = make_user(db)
    login(client, reporter)
    path = f"/reports/new?complaint={complaint.id}&message={message.id}"
    assert path.replace("&", "&amp;") in client.get(f"/complaints/{complaint.id}").text
    response = post_form(
        client,
        "/reports",
        {"complaint": complaint.id, "message": message.id, "reason": "abusive"},
        page=path,
    )
    assert response.status_code == 201
    report = db.exec(select(Report)).one()
    assert (report.message_id, report.reporter_id) == (message.id, reporter.id)


def test_reports_need_a_csrf_token(client: TestClient, complaint) -> None:
    response = client.post(
        "/reports", data={"complaint": complaint.id, "reason": "spam", "detail": "spam"}
    )
    assert response.status_code == 403


# Who may moderate ----------------------------------------------------------------------------


def _moderation_requests(complaint, message_id: int, user_id: int) -> list[tuple[str, str]]:
    gets = ["/moderation", f"/moderation/complaints/{complaint.id}"]
    posts = [
        f"/moderation/complaints/{complaint.id}/{a}"
        for a in (
            "unlist",
            "hide",
            "remove",
            "restore",
            "hold",
            "lock",
            "unlock",
            "dismiss",
            "edit",
        )
    ]
    posts += [
        f"/moderation/messages/{message_id}/{a}" for a in ("hide", "remove", "restore", "dismiss")
    ]
    posts += [f"/moderation/users/{user_id}/{a}" for a in ("suspend", "unsuspend")]
    return [("GET", p) for p in gets] + [("POST", p) for p in posts]


@pytest.mark.parametrize("who", ["consumer", "rep", "author"])
def test_only_moderators_may_moderate(client: TestClient, db: Session, complaint, who) -> None:

    author = db.get(User, complaint.author_id)
    message = complaints.follow_up(session=db, complaint=complaint, user=author, body="Hello.")
    if who == "rep":
        user = make_rep(db, db.get(Company, complaint.company_id)).user_id
        user = db.get(User, user)
    elif who == "author":
        user = author
    else:
        user = make_user(db)
    login(client, user)
    token = csrf_from(client, f"/complaints/{complaint.id}")
    for method, path in _moderation_requests(complaint, message.id, author.id):
        data = {"csrf_token": token, "reason": "because"} if method == "POST" else None
        response = client.request(method, path, data=data, follow_redirects=False)
        assert response.status_code == 403, (method, path)
    assert db.exec(select(ModerationAction)).all() == []
    assert complaint.visibility == Visibility.PUBLIC


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient) -> None:
    response = client.get("/moderation", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_the_queue_shows_grouped_reports_with_context(
    client: TestClient, db: Session, complaint, mod
) -> None:

    for reason in (ReportReason.SPAM, ReportReason.ABUSIVE):
        reports.file_report(
            session=db, complaint=complaint, reason=reason, detail="bad", reporter=make_user(db)
        )
    login(client, mod)
    queue = client.get("/moderation")
    assert queue.status_code == 200
    assert "2 reports" in queue.text and "abusive, spam" in queue.text
    page = client.get(f"/moderation/complaints/{complaint.id}")
    assert BODY in page.text  # moderators read the content
    assert page.text.count('class="report report-open"') == 2


# Actions and what the public sees ------------------------------------------------------------


def test_a_moderator_hides_and_the_public_sees_only_a_tombstone(
    client: TestClient, other_client: TestClient, db: Session, complaint, mod
) -> None:
    login(client, mod)
    response = post_form(
        client,
        f"/moderation/complaints/{complaint.id}/hide",
        {"reason": "Names a private person"},
        page=f"/moderation/complaints/{complaint.id}",
    )
    assert response.status_code == 303
    assert complaint.visibility == Visibility.HIDDEN
    public = other_client.get(f"/complaints/{complaint.id}")
    assert public.status_code == 200
    assert "Names a private person" in public.text
    assert "Quimby" not in public.text and "Zephyrcorp engineer" not in public.text
    assert '<meta name="robots" content="noindex">' in public.text
    api = other_client.get(f"/api/v1/complaints/{complaint.id}")
    assert api.status_code == 410
    assert api.json()["reason"] == "Names a private person"
    assert "Quimby" not in api.text
    for path in ("/", "/search?q=broadband", "/api/v1/complaints", "/feeds/complaints.atom"):
        listing = other_client.get(path)
        assert "Quimby" not in listing.text, path
    # the statement of reasons went to the author
    mail = db.exec(select(Job).where(Job.kind == "mail")).all()
    assert [m.payload["to"] for m in mail] == ["filer@example.org"]


def test_the_author_still_reads_a_hidden_complaint_with_a_banner(
    client: TestClient, db: Session, complaint, mod
) -> None:
    _hide(db, complaint, mod)

    login(client, db.get(User, complaint.author_id))
    page = client.get(f"/complaints/{complaint.id}")
    assert BODY in page.text
    assert "The public sees only that this complaint was hidden" in page.text
    mine = client.get("/me/complaints")
    assert "Moderation decisions about your content" in mine.text
    assert f"Your complaint #{complaint.id} is hidden" in mine.text
    assert "Names a private person" in mine.text


def test_an_unlisted_page_renders_but_is_not_indexed_or_listed(
    client: TestClient, db: Session, complaint, mod
) -> None:
    _hide(db, complaint, mod, Visibility.UNLISTED, "Under review")
    page = client.get(f"/complaints/{complaint.id}")
    assert page.status_code == 200 and BODY in page.text
    assert '<meta name="robots" content="noindex">' in page.text
    assert TITLE not in client.get("/").text
    listed = client.get(f"/complaints/{make_complaint(db).id}")
    assert 'name="robots"' not in listed.text


def test_a_hidden_message_is_a_tombstone_in_the_timeline(
    client: TestClient, db: Session, complaint, mod
) -> None:

    message = complaints.follow_up(
        session=db,
        complaint=complaint,
        user=db.get(User, complaint.author_id),
        body="The Quimby technician never came back.",
    )
    login(client, mod)
    response = post_form(
        client,
        f"/moderation/messages/{message.id}/remove",
        {"reason": "A phone number"},
        page=f"/moderation/complaints/{complaint.id}",
    )
    assert response.status_code == 303
    client.cookies.clear()
    page = client.get(f"/complaints/{complaint.id}")
    assert "Quimby technician" not in page.text
    assert "This message was removed by a moderator: A phone number" in page.text
    assert "Quimby technician" not in client.get(f"/complaints/{complaint.id}/feed.atom").text


def test_a_locked_thread_shows_a_banner_and_refuses_follow_ups(
    client: TestClient, db: Session, complaint, mod
) -> None:

    moderation.set_locked(session=db, complaint=complaint, locked=True, reason="Heated", actor=mod)
    login(client, db.get(User, complaint.author_id))
    page = client.get(f"/complaints/{complaint.id}")
    assert "A moderator has locked this thread" in page.text
    assert f'action="/complaints/{complaint.id}/follow-up"' not in page.text
    refused = post_form(
        client,
        f"/complaints/{complaint.id}/follow-up",
        {"body": "Hello?"},
        page=f"/complaints/{complaint.id}",
    )
    assert refused.status_code == 409


def test_a_refused_action_keeps_the_typed_reason(client: TestClient, complaint, mod) -> None:
    login(client, mod)
    path = f"/moderation/complaints/{complaint.id}"
    response = post_form(client, f"{path}/unlock", {"reason": "Typed words"}, page=path)
    assert response.status_code == 409
    assert "This thread is not locked" in response.text
    assert "Typed words" in response.text


def test_the_public_log_lists_decisions_without_content(
    client: TestClient, db: Session, complaint, mod
) -> None:
    _hide(db, complaint, mod, Visibility.REMOVED, "Defamatory statement")

    slug = db.get(Company, complaint.company_id).slug
    company_page = client.get(f"/companies/{slug}")
    assert f'href="/companies/{slug}/moderation"' in company_page.text
    log = client.get(f"/companies/{slug}/moderation")
    assert log.status_code == 200
    assert "Complaint removed" in log.text and "Defamatory statement" in log.text
    assert "Quimby" not in log.text and "broadband" not in log.text


# Suspension ----------------------------------------------------------------------------------


def test_a_suspended_user_is_logged_out_can_read_the_statement_but_not_act(
    client: TestClient, db: Session, complaint, mod
) -> None:

    author = db.get(User, complaint.author_id)
    login(client, author)
    moderation.suspend(session=db, user=author, reason="Threatening staff", actor=mod)
    assert "Log in" in client.get("/").text  # their session ended
    login(client, author)
    mine = client.get("/me/complaints")
    assert "Your account is suspended" in mine.text and "Threatening staff" in mine.text
    refused = post_form(
        client,
        f"/complaints/{complaint.id}/follow-up",
        {"body": "Let me speak"},
        page=f"/complaints/{complaint.id}",
    )
    assert refused.status_code == 403
    assert "Threatening staff" in refused.text
    other = make_complaint(db)
    report = post_form(
        client,
        "/reports",
        {"complaint": other.id, "reason": "spam", "detail": "x"},
        page=f"/reports/new?complaint={other.id}",
    )
    assert report.status_code == 403
    filing = client.get("/complaints/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', filing.text).group(1)
    new = client.post("/complaints/new", data={"csrf_token": token, "title": "x"})
    assert new.status_code == 403


def test_a_moderator_suspends_from_the_complaint_page(
    client: TestClient, db: Session, complaint, mod
) -> None:
    login(client, mod)
    path = f"/moderation/complaints/{complaint.id}"

    author = db.get(User, complaint.author_id)
    response = post_form(
        client,
        f"/moderation/users/{author.id}/suspend",
        {"reason": "Repeated abuse", "complaint": complaint.id},
        page=path,
    )
    assert response.status_code == 303
    assert author.suspended_at is not None
    assert "suspended" in client.get(path).text


def test_a_moderator_masks_a_name_and_the_public_page_no_longer_shows_it(
    client: TestClient, other_client: TestClient, db: Session, complaint, mod
) -> None:
    login(client, mod)
    path = f"/moderation/complaints/{complaint.id}"
    response = post_form(
        client,
        f"{path}/edit",
        {"mask": "Quimby upgrade\nZephyrcorp engineer", "reason": "Names"},
        page=path,
    )
    assert response.status_code == 303
    public = other_client.get(f"/complaints/{complaint.id}")
    assert "Quimby" not in public.text and "Zephyrcorp engineer" not in public.text
    assert "[redacted]" in public.text
    assert "Quimby upgrade" in client.get(path).text  # moderators still see what was typed


def test_restoring_puts_the_content_back_and_the_api_shows_it(
    client: TestClient, other_client: TestClient, db: Session, complaint, mod
) -> None:
    _hide(db, complaint, mod, Visibility.REMOVED, "Mistake")
    assert other_client.get(f"/api/v1/complaints/{complaint.id}").status_code == 410
    login(client, mod)
    path = f"/moderation/complaints/{complaint.id}"
    assert post_form(client, f"{path}/restore", {"reason": ""}, page=path).status_code == 303
    api = other_client.get(f"/api/v1/complaints/{complaint.id}")
    assert api.status_code == 200 and api.json()["title"] == TITLE
    assert BODY in other_client.get(f"/complaints/{complaint.id}").text
    log = other_client.get(f"/companies/{db.get(Company, complaint.company_id).slug}/moderation")
    assert log.text.index("Complaint restored") < log.text.index("Complaint removed")


def test_a_message_from_another_complaint_cannot_be_reported_here(
    client: TestClient, db: Session, complaint
) -> None:
    elsewhere = make_complaint(db)
    message = complaints.follow_up(
        session=db, complaint=elsewhere, user=db.get(User, elsewhere.author_id), body="Hi there"
    )
    data = {"complaint": complaint.id, "message": message.id, "reason": "spam", "detail": "x"}
    response = post_form(client, "/reports", data, page=f"/reports/new?complaint={complaint.id}")
    assert response.status_code == 404
    assert db.exec(select(Report)).all() == []


def test_admins_moderate_too(client: TestClient, db: Session, complaint) -> None:
    login(client, make_user(db, is_admin=True))
    assert client.get("/moderation").status_code == 200
    path = f"/moderation/complaints/{complaint.id}"
    assert post_form(client, f"{path}/unlist", {"reason": "Checking"}, page=path).status_code == 303
    assert complaint.visibility == Visibility.UNLISTED
