"""The dashboard as reps use it: the queue, one complaint, replies, notes, saved replies; and what
the public sees of it."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import company as company_side
from app.complaints import service as complaints
from app.config import get_settings
from app.models.complaint import (
    Complaint,
    ComplaintState,
    InternalNote,
    ResolutionType,
    SavedReply,
)
from app.models.membership import CompanyMember
from app.models.user import User
from tests.support.dashboard import Scene, queue_counts, queue_ids
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form


def rep_post(client, scene: Scene, action: str, data: dict):
    """Post one of the forms on the rep's complaint page, with that page's CSRF token."""
    return post_form(client, f"{scene.page}/{action}", data, page=scene.page)


# The queue -------------------------------------------------------------------------------------


def test_queue_filters_counts_and_deadline_order(db, client, scene) -> None:
    now = utcnow()

    def filed(days: int, **kw) -> Complaint:
        return make_complaint(db, company_name="Acme", now=now - timedelta(days=days), **kw)

    sam, dana = scene.agent, scene.owner
    overdue = filed(20)  # unanswered past the 14-day deadline, nobody's
    mine = filed(10)
    company_side.assign(session=db, complaint=mine, user=sam, assignee_id=sam.id)
    disputed = filed(8)
    company_side.resolve(
        session=db, complaint=disputed, user=dana, resolution_type=ResolutionType.EXPLANATION
    )
    complaints.dispute(
        session=db, complaint=disputed, user=db.get(User, disputed.author_id), body="No."
    )
    company_side.assign(session=db, complaint=disputed, user=dana, assignee_id=dana.id)
    awaiting = filed(5)
    company_side.reply(session=db, complaint=awaiting, user=dana, body="Which?", info_request=True)
    resolved = filed(30)  # waits on the consumer's confirmation: not in the work queue
    company_side.resolve(
        session=db, complaint=resolved, user=dana, resolution_type=ResolutionType.MONETARY
    )
    withdrawn = filed(25)
    complaints.withdraw(session=db, complaint=withdrawn, user=db.get(User, withdrawn.author_id))
    fresh = scene.complaint  # filed just now, unassigned
    db.commit()

    login(client, sam)
    page = client.get("/dashboard/acme")
    assert page.status_code == 200
    assert queue_counts(page.text) == {
        "open": 5,
        "unassigned": 2,
        "mine": 1,
        "overdue": 1,
        "replied": 1,
        "awaiting": 1,
        "disputed": 1,
        "at_risk": 1,  # the overdue one: past the platform's deadline
        "resolved": 1,  # waiting on the consumer's confirmation
        "closed": 1,
        "all": 7,
    }
    assert queue_ids(page.text) == [overdue.id, mine.id, disputed.id, awaiting.id, fresh.id]
    expected = {
        "unassigned": [overdue.id, fresh.id],
        "mine": [mine.id],
        "overdue": [overdue.id],
        "replied": [disputed.id],  # the dispute: the consumer spoke after the company
        "awaiting": [awaiting.id],
        "disputed": [disputed.id],
        "at_risk": [overdue.id],
        "resolved": [resolved.id],
        "closed": [withdrawn.id],
        "all": [resolved.id, withdrawn.id, overdue.id, mine.id, disputed.id, awaiting.id, fresh.id],
    }
    for queue, ids in expected.items():
        assert queue_ids(client.get(f"/dashboard/acme?queue={queue}").text) == ids, queue
    # "Mine" is per rep.
    login(client, dana)
    assert queue_ids(client.get("/dashboard/acme?queue=mine").text) == [disputed.id, awaiting.id]
    assert scene.globex_complaint.id not in queue_ids(client.get("/dashboard/acme").text)


def test_queue_pages(db, client, scene, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "page_size", 2)
    now = utcnow()
    older = [
        make_complaint(db, company_name="Acme", now=now - timedelta(days=d)) for d in (4, 3, 2, 1)
    ]
    ids = [c.id for c in older] + [scene.complaint.id]
    login(client, scene.agent)
    first = client.get("/dashboard/acme")
    assert queue_ids(first.text) == ids[:2]
    assert "Page 1 of 3 (5 in all)" in first.text
    assert queue_ids(client.get("/dashboard/acme?page=2").text) == ids[2:4]
    assert queue_ids(client.get("/dashboard/acme?page=3").text) == ids[4:]


def test_bad_queue_name_is_a_clear_error(client, scene) -> None:
    login(client, scene.agent)
    response = client.get("/dashboard/acme?queue=everything")
    assert response.status_code == 400
    assert "queue" in response.text


def test_dashboard_lists_the_companies_i_actively_answer_for(db, client, scene) -> None:
    make_rep(db, scene.globex, user=scene.agent, public_name="Sam Lee")
    initech = companies.create(session=db, name="Initech")
    gone = make_rep(db, initech, user=scene.agent)
    gone.revoked_at = utcnow()
    db.add(gone)
    db.commit()
    login(client, scene.agent)
    page = client.get("/dashboard").text
    assert 'href="/dashboard/acme"' in page
    assert 'href="/dashboard/globex"' in page
    assert "Initech" not in page
    login(client, scene.author)
    assert "You do not answer for any company yet" in client.get("/dashboard").text


# One complaint ---------------------------------------------------------------------------------


def test_reps_see_the_private_reference_and_notes_the_public_never_does(
    db, client, other_client, scene
) -> None:
    login(client, scene.agent)
    response = rep_post(client, scene, "note", {"note": "Called her back, VIP."})
    assert response.status_code == 303
    rep_view = client.get(scene.page).text
    assert "ACC-991" in rep_view
    assert "Called her back, VIP." in rep_view
    assert "Sam Lee · " in rep_view  # notes are signed with the rep's public name

    public_anonymous = other_client.get(f"/complaints/{scene.complaint.id}").text
    api = other_client.get(f"/api/v1/complaints/{scene.complaint.id}").text
    api_list = other_client.get("/api/v1/complaints?company=acme").text
    search = other_client.get("/search?q=Charged").text
    for text in (public_anonymous, api, api_list, search):
        assert "ACC-991" not in text
        assert "VIP" not in text
    login(other_client, make_user(db))  # a consumer who did not file it
    assert "ACC-991" not in other_client.get(f"/complaints/{scene.complaint.id}").text
    login(other_client, scene.author)  # the author sees their reference, never the notes
    own = other_client.get(f"/complaints/{scene.complaint.id}").text
    assert "ACC-991" in own
    assert "VIP" not in own


def test_a_reply_is_signed_and_its_author_becomes_the_named_owner(db, client, scene) -> None:
    login(client, scene.owner)
    response = rep_post(client, scene, "reply", {"body": "We refunded the charge."})
    assert response.status_code == 303
    assert response.headers["location"] == scene.page
    public = client.get(f"/complaints/{scene.complaint.id}").text
    assert "Dana Ortiz, Customer Relations Lead — Acme" in public
    assert re.search(r"<dt>Owner at Acme</dt><dd[^>]*>Dana Ortiz</dd>", public)
    assert "Handed off" not in public
    assert scene.complaint.assignee_id == scene.owner.id
    assert scene.complaint.state is ComplaintState.ANSWERED


def test_handoffs_are_counted_publicly_without_saying_between_whom(db, client, scene) -> None:
    login(client, scene.agent)
    assert (
        rep_post(client, scene, "assign", {"assignee_id": str(scene.agent.id)}).status_code == 303
    )
    login(client, scene.owner)
    assert (
        rep_post(client, scene, "assign", {"assignee_id": str(scene.owner.id)}).status_code == 303
    )
    assert (scene.complaint.assignee_id, scene.complaint.handoff_count) == (scene.owner.id, 1)
    public = client.get(f"/complaints/{scene.complaint.id}").text
    assert "Handed off 1 time<" in public
    events = re.findall(r'<li class="event event-assign.*?</li>', public, re.S)
    assert len(events) == 2
    assert "assigned a representative" in events[0]
    assert "handed it to another representative" in events[1]
    assert not any(name in e for e in events for name in ("Sam Lee", "Dana Ortiz", "User "))
    assert re.search(r"<dt>Owner at Acme</dt><dd[^>]*>Dana Ortiz</dd>", public)


def test_ask_for_information_waits_until_the_consumer_follows_up(
    db, client, other_client, scene
) -> None:
    login(client, scene.agent)
    response = rep_post(client, scene, "reply", {"body": "Which card was it?", "info_request": "1"})
    assert response.status_code == 303
    assert scene.complaint.awaiting_consumer is True
    assert "asked for more information" in client.get(f"/complaints/{scene.complaint.id}").text
    assert queue_counts(client.get("/dashboard/acme").text)["awaiting"] == 1

    login(other_client, scene.author)
    path = f"/complaints/{scene.complaint.id}"
    reply = post_form(other_client, f"{path}/follow-up", {"body": "The Visa."}, page=path)
    assert reply.status_code == 303
    assert scene.complaint.awaiting_consumer is False
    assert queue_counts(client.get("/dashboard/acme").text)["awaiting"] == 0


def test_resolve_with_a_type_and_a_signed_message(db, client, scene) -> None:
    login(client, scene.agent)
    response = rep_post(
        client,
        scene,
        "resolve",
        {"resolution_type": "monetary_relief", "message": "Refunded 42 EUR."},
    )
    assert response.status_code == 303
    assert scene.complaint.state is ComplaintState.RESOLVED
    assert scene.complaint.resolution_type is ResolutionType.MONETARY
    assert "Sam Lee, Support Agent — Acme" in client.get(f"/complaints/{scene.complaint.id}").text


@pytest.mark.parametrize(
    ("action", "data", "status", "message", "kept"),
    [
        ("reply", {"body": "  "}, 409, "A reply needs some text.", None),
        ("reply", {"body": "x" * 10_001}, 400, "under 10,000 characters", "x" * 10_001),
        (
            "resolve",
            {"resolution_type": "", "message": "Sorted it."},
            400,
            "Choose how",
            "Sorted it.",
        ),
        ("note", {"note": ""}, 409, "A note needs some text.", None),
        ("assign", {"assignee_id": "abc"}, 400, "active representatives", None),
    ],
)
def test_refused_actions_explain_and_keep_what_was_typed(
    db, client, scene, action, data, status, message, kept
) -> None:
    login(client, scene.agent)
    response = post_form(client, f"{scene.page}/{action}", data, page=scene.page)
    assert response.status_code == status
    assert message in response.text
    if kept:
        assert kept in response.text
    assert scene.complaint.state is ComplaintState.OPEN
    assert scene.complaint.assignee_id is None


def test_reply_to_a_withdrawn_complaint_is_refused_with_the_text_kept(db, client, scene) -> None:
    complaints.withdraw(session=db, complaint=scene.complaint, user=scene.author)
    db.commit()
    login(client, scene.agent)
    response = rep_post(client, scene, "reply", {"body": "Sorry to see you go."})
    assert response.status_code == 409
    assert "cannot be answered" in response.text
    assert "Sorry to see you go." in response.text
    assert scene.complaint.assignee_id is None


# Saved replies ---------------------------------------------------------------------------------


def test_saved_replies_can_be_added_and_inserted_without_javascript(db, client, scene) -> None:
    login(client, scene.agent)
    added = post_form(
        client, "/dashboard/acme/saved-replies", {"title": "Outage", "body": "The outage is over."}
    )
    assert added.status_code == 303
    listing = client.get("/dashboard/acme/saved-replies").text
    assert "Outage" in listing and "Refund" in listing
    outage = db.exec(select(SavedReply).where(SavedReply.title == "Outage")).one()
    assert outage.author_id == scene.agent.id

    # The select carries each body for the script; the button posts for everyone else.
    page = client.get(scene.page).text
    assert 'data-body="The outage is over."' in page
    assert "/static/dashboard.js" in page
    empty = post_form(
        client, f"{scene.page}/use-saved", {"body": "", "saved_id": str(outage.id)}, page=scene.page
    )
    assert empty.status_code == 200
    assert re.search(r'name="body"[^>]*>The outage is over\.</textarea>', empty.text)
    typed = post_form(
        client,
        f"{scene.page}/use-saved",
        {"body": "Hello Maria,", "saved_id": str(scene.saved.id)},
        page=scene.page,
    )
    assert "Hello Maria,\n\nYour refund is on its way.</textarea>" in typed.text
    none_chosen = post_form(
        client, f"{scene.page}/use-saved", {"body": "Hello", "saved_id": ""}, page=scene.page
    )
    assert none_chosen.status_code == 422
    assert "Choose a saved reply" in none_chosen.text and ">Hello</textarea>" in none_chosen.text
    # Inserting changes nothing until the reply is posted.
    assert scene.complaint.state is ComplaintState.OPEN
    assert client.get("/static/dashboard.js").status_code == 200


def test_saved_reply_validation_keeps_the_input(db, client, scene) -> None:
    login(client, scene.agent)
    response = post_form(
        client, "/dashboard/acme/saved-replies", {"title": " ", "body": "Kept body text"}
    )
    assert response.status_code == 422
    assert "Please write at least 1 characters." in response.text
    assert "Kept body text" in response.text
    assert db.exec(select(SavedReply).where(SavedReply.body == "Kept body text")).first() is None


def test_saved_replies_are_changed_by_their_author_or_an_owner(db, client, scene) -> None:
    mine = SavedReply(company_id=scene.acme.id, author_id=scene.agent.id, title="Hi", body="Hi!")
    db.add(mine)
    db.commit()
    path = f"/dashboard/acme/saved-replies/{mine.id}"
    login(client, scene.agent)
    assert post_form(client, path, {"title": "Hello", "body": "Hello!"}).status_code == 303
    assert (mine.title, mine.body) == ("Hello", "Hello!")
    # The owner's saved reply: the agent may use it, not change it.
    owners = f"/dashboard/acme/saved-replies/{scene.saved.id}"
    assert client.get(owners).status_code == 403
    token_page = "/dashboard/acme/saved-replies"
    refused = post_form(client, owners, {"title": "X", "body": "X"}, page=token_page)
    assert refused.status_code == 403
    assert post_form(client, f"{owners}/delete", {}, page=token_page).status_code == 403
    db.refresh(scene.saved)
    assert scene.saved.title == "Refund"
    # An owner may change anyone's.
    login(client, scene.owner)
    assert post_form(client, f"{path}/delete", {}, page=token_page).status_code == 303
    assert db.get(SavedReply, mine.id) is None


def test_revoked_member_loses_access_on_the_next_request(db, client, scene) -> None:
    login(client, scene.agent)
    assert client.get(scene.page).status_code == 200
    member = db.exec(select(CompanyMember).where(CompanyMember.user_id == scene.agent.id)).one()
    member.revoked_at = utcnow()
    db.add(member)
    db.commit()
    assert client.get(scene.page).status_code == 403
    assert client.get("/dashboard/acme").status_code == 403


def test_notes_never_reach_the_public_timeline_markup(db, client, scene) -> None:
    company_side.add_note(
        session=db, complaint=scene.complaint, user=scene.agent, body="Internal: offer 10%."
    )
    assert db.exec(select(InternalNote)).first() is not None
    assert "offer 10%" not in client.get(f"/complaints/{scene.complaint.id}").text
