"""The private channel: what the consumer and the company's reps say privately is on no public
surface, and reaches the company (its dashboard, API and webhooks) and moderators only."""

from urllib.parse import quote

from sqlmodel import Session, select

from app.broadcast import compose, layout
from app.broadcast.bluesky import RULES
from app.complaints import company as company_side
from app.complaints import service as complaints
from app.integrations import tokens
from app.integrations.delivery import event_data
from app.models.company import Company
from app.models.complaint import Message
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user

CONSUMER_SECRET = "QX7PLM bag tag SK482913"
REP_SECRET = "voucher code ZEBRA-5512"


def _scene(db: Session):
    author = make_user(db, name="Priya J.")
    complaint = make_complaint(
        db, author, company_name="Maple Post", title="Parcel lost in transit"
    )
    company = db.get(Company, complaint.company_id)
    rep = db.get(User, make_rep(db, company, public_name="Dana Ortiz").user_id)
    company_side.reply(
        session=db, complaint=complaint, user=rep, body="Your booking reference?", info_request=True
    )
    complaints.follow_up(
        session=db, complaint=complaint, user=author, body=CONSUMER_SECRET, private=True
    )
    company_side.reply(session=db, complaint=complaint, user=rep, body=REP_SECRET, private=True)
    complaints.follow_up(session=db, complaint=complaint, user=author, body="Public thanks, all.")
    db.commit()
    return author, complaint, company, rep


def _public_surfaces(complaint, company) -> list[str]:
    page = f"http://testserver/complaints/{complaint.id}"
    return [
        f"/complaints/{complaint.id}",
        f"/complaints/{complaint.id}/feed.atom",
        "/feeds/complaints.atom",
        f"/feeds/category/{complaint.category.value}.atom",
        f"/companies/{company.slug}/feed.atom",
        f"/companies/{company.slug}",
        "/",
        "/data/complaints.csv",
        "/data/complaints.json",
        "/api/v1/complaints",
        f"/api/v1/complaints/{complaint.id}",
        f"/complaints/{complaint.id}/badge.svg",
        f"/complaints/{complaint.id}/card",
        f"/oembed?url={quote(page, safe='')}",
    ]


SEARCHES = ["/search?q=SK482913", "/search?q=ZEBRA", "/api/v1/complaints?q=SK482913"]


def _leaks(text: str) -> list[str]:
    return [s for s in ("SK482913", "QX7PLM", "ZEBRA-5512") if s in text]


def test_private_messages_are_on_no_public_surface(db: Session, client, other_client) -> None:
    _, complaint, company, _ = _scene(db)
    stranger = make_user(db)
    db.commit()
    login(other_client, stranger)
    checked = 0
    for path in _public_surfaces(complaint, company):
        for who, browser in (("anonymous", client), ("a stranger", other_client)):
            response = browser.get(path)
            assert response.status_code == 200, (path, who, response.status_code)
            assert _leaks(response.text) == [], (path, who)
            checked += 1
    assert checked == 28
    for path in SEARCHES:  # the words echo in the search box; the complaint is not found by them
        response = client.get(path)
        assert response.status_code == 200
        assert f"/complaints/{complaint.id}" not in response.text, path
    page = client.get(f"/complaints/{complaint.id}").text
    # The event is public, its words are not; the public follow-up is there as ever.
    assert page.count("A private message: only Priya J.") == 2
    assert "Public thanks, all." in page
    feed = client.get(f"/complaints/{complaint.id}/feed.atom").text
    assert "Public thanks, all." in feed


def test_broadcast_posts_carry_no_private_text(db: Session) -> None:
    _, complaint, _, _ = _scene(db)
    for event in ("filed", "milestone", "resolution"):
        post = compose.post_for(
            db, complaint=complaint, event=event, days=7, record_key=f"test:{event}"
        )
        assert _leaks(layout.render(post, network="bluesky", rules=RULES).text) == [], event


def test_the_author_the_reps_and_moderators_read_them(db: Session, client) -> None:
    author, complaint, company, rep = _scene(db)
    moderator = make_user(db)
    moderator.is_moderator = True
    db.add(moderator)
    db.commit()
    for user, path in (
        (author, f"/complaints/{complaint.id}"),
        (rep, f"/complaints/{complaint.id}"),
        (rep, f"/dashboard/{company.slug}/complaints/{complaint.id}"),
        (moderator, f"/complaints/{complaint.id}"),
    ):
        client.cookies.clear()
        login(client, user)
        page = client.get(path).text
        assert CONSUMER_SECRET in page and REP_SECRET in page, (user.email, path)
        assert "private" in page


def test_webhooks_and_the_company_api_carry_them_marked_private(db: Session, client) -> None:
    _, complaint, company, _ = _scene(db)
    owner = db.get(User, make_rep(db, company, role=Role.OWNER).user_id)
    _, raw = tokens.create(session=db, company=company, owner=owner, name="Helpdesk")
    db.commit()
    detail = client.get(
        f"/api/v1/company/complaints/{complaint.id}", headers={"Authorization": f"Bearer {raw}"}
    ).json()
    assert [(m["body"], m["private"]) for m in detail["messages"]][1:] == [
        (CONSUMER_SECRET, True),
        (REP_SECRET, True),
        ("Public thanks, all.", False),
    ]
    assert detail["waiting_for"] == "company" and detail["waiting_reason"] == "customer_replied"
    messages = {
        m.body: m for m in db.exec(select(Message).where(Message.complaint_id == complaint.id))
    }
    data = event_data(session=db, complaint=complaint, message_id=messages[CONSUMER_SECRET].id)
    assert data["message"]["body"] == CONSUMER_SECRET and data["message"]["private"] is True
    data = event_data(
        session=db, complaint=complaint, message_id=messages["Public thanks, all."].id
    )
    assert data["message"]["private"] is False
