"""What was typed belongs to whoever typed it: /complaints/{id}/original shows the author the
complaint and their own messages, a rep their own replies, moderators everything."""

from html import unescape

from app.complaints import company as company_side
from app.complaints import service as complaints
from app.models.company import Company
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user

AUTHOR_PHONE = "07700 900482"
REP_EMAIL = "dana.ortiz@northwind.example"


def _complaint_with_a_masked_reply(db):
    author = make_user(db, name="Jane Doe", email="jane.d@example.org")
    complaint = make_complaint(db, author, body=f"Call me on {AUTHOR_PHONE} about the bill.")
    company = db.get(Company, complaint.company_id)
    rep = db.get(User, make_rep(db, company).user_id)
    company_side.reply(
        session=db, complaint=complaint, user=rep, body=f"Please write to me at {REP_EMAIL}."
    )
    db.commit()
    return author, rep, complaint


def test_a_rep_reads_their_own_reply_as_typed_but_not_the_complaint(client, db):
    _author, rep, complaint = _complaint_with_a_masked_reply(db)
    login(client, rep)
    page = client.get(f"/complaints/{complaint.id}/original")
    assert page.status_code == 200
    assert REP_EMAIL in unescape(page.text)
    assert AUTHOR_PHONE not in unescape(page.text)


def test_the_author_cannot_read_a_reps_reply_as_typed(client, db):
    author, _rep, complaint = _complaint_with_a_masked_reply(db)
    login(client, author)
    page = unescape(client.get(f"/complaints/{complaint.id}/original").text)
    assert AUTHOR_PHONE in page
    assert REP_EMAIL not in page


def test_moderators_read_both_and_strangers_neither(client, other_client, db):
    _author, _rep, complaint = _complaint_with_a_masked_reply(db)
    admin, stranger = make_user(db, is_admin=True), make_user(db)
    db.commit()
    login(client, admin)
    page = unescape(client.get(f"/complaints/{complaint.id}/original").text)
    assert AUTHOR_PHONE in page and REP_EMAIL in page
    login(other_client, stranger)
    refused = other_client.get(f"/complaints/{complaint.id}/original")
    assert refused.status_code in (403, 404)
    assert AUTHOR_PHONE not in refused.text and REP_EMAIL not in unescape(refused.text)


def test_a_consumer_follow_up_stays_its_authors(client, db):
    author, rep, complaint = _complaint_with_a_masked_reply(db)
    complaints.follow_up(session=db, complaint=complaint, user=author, body="Or 07700 900999.")
    db.commit()
    login(client, rep)
    assert "07700 900999" not in unescape(client.get(f"/complaints/{complaint.id}/original").text)


def test_the_complaint_page_points_whoever_typed_a_reply_to_its_original(client, other_client, db):
    author, rep, complaint = _complaint_with_a_masked_reply(db)
    login(client, rep)
    assert (
        f"/complaints/{complaint.id}/original#original-message-"
        in client.get(f"/complaints/{complaint.id}").text
    )
    login(other_client, author)
    assert "/original#original-message-" not in other_client.get(f"/complaints/{complaint.id}").text
