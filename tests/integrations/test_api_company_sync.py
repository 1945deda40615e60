"""The company API as a helpdesk's peer: retries with an Idempotency-Key never act twice, a token
acts for any active rep, incremental sync by updated_since and cursor, and the assignment, notes
and members endpoints."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.integrations import idempotency, tokens, webhooks
from app.jobs.worker import drain
from app.models.company import Company
from app.models.complaint import Complaint, InternalNote, Message
from app.models.integration import IdempotentRequest
from app.models.user import User
from tests.support.factories import make_complaint, make_rep, make_user
from tests.support.http_receiver import serve
from tests.support.integrations import acme_api_world

if TYPE_CHECKING:
    from tests.support.smtp_server import SmtpServer


API = "/api/v1/company"


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def replies(session: Session, complaint_id: int) -> list[Message]:
    return list(
        session.exec(
            select(Message).where(Message.complaint_id == complaint_id, Message.side == "company")
        )
    )


# Idempotency ------------------------------------------------------------------------------------


def test_same_key_twice_is_one_reply_one_mail_one_delivery_per_webhook(
    live_engine: Engine, live_client, smtp_server: "SmtpServer"
):
    with serve() as receiver:
        with Session(live_engine, expire_on_commit=False) as db:
            world = acme_api_world(db)
            company, complaint = world["company"], world["complaint"]
            owner = db.get(User, world["owner"].user_id)
            for events in (list(webhooks.EVENTS), ["message.created"]):
                webhooks.create(
                    session=db, company=company, owner=owner, url=receiver.url("/h"), events=events
                )
            db.commit()
        asyncio.run(drain(engine=live_engine))  # the filing's own mail and deliveries
        mails_before, posts_before = len(smtp_server.received), len(receiver.requests)

        url = f"{API}/complaints/{complaint.id}/replies"
        headers = bearer(world["token"], **{"Idempotency-Key": "abc-1"})
        body = {"body": "We have refunded the second charge today."}
        first = live_client.post(url, json=body, headers=headers)
        again = live_client.post(url, json=body, headers=headers)
        assert first.status_code == again.status_code == 201, again.text
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        shown = live_client.get(first.headers["location"], headers=bearer(world["token"]))
        assert shown.json()["body"] == body["body"]

        asyncio.run(drain(engine=live_engine))
        with Session(live_engine) as db:
            assert len(replies(db, complaint.id)) == 1
        new_mails = smtp_server.received[mails_before:]
        to_carol = [m for m in new_mails if "carol@example.org" in m.message["To"]]
        assert len(to_carol) == 1, [m.message["Subject"] for m in new_mails]
        posts = receiver.requests[posts_before:]
        assert len(posts) == 2  # one per webhook
        assert {json.loads(p.body)["event"] for p in posts} == {"message.created"}
        assert all(json.loads(p.body)["changes"]["message"]["side"] == "company" for p in posts)


def test_same_key_with_another_body_is_422_and_changes_nothing(client, db, acme_api):
    url = f"{API}/complaints/{acme_api['complaint'].id}/replies"
    headers = bearer(acme_api["token"], **{"Idempotency-Key": "abc-2"})
    assert client.post(url, json={"body": "First answer"}, headers=headers).status_code == 201
    reused = client.post(url, json={"body": "A different answer"}, headers=headers)
    assert reused.status_code == 422
    assert reused.headers["content-type"].startswith("application/problem+json")
    assert "Idempotency-Key" in reused.json()["detail"]
    # The same key on another operation is another request too.
    note = client.post(
        f"{API}/complaints/{acme_api['complaint'].id}/notes", json={"body": "x"}, headers=headers
    )
    assert note.status_code == 422
    assert [m.body for m in replies(db, acme_api["complaint"].id)] == ["First answer"]
    assert db.exec(select(InternalNote)).all() == []


def test_keys_belong_to_one_token_and_expire_after_a_day(client, db, acme_api):
    url = f"{API}/complaints/{acme_api['complaint'].id}/replies"
    key = {"Idempotency-Key": "k-1"}
    assert (
        client.post(url, json={"body": "One"}, headers=bearer(acme_api["token"], **key)).status_code
        == 201
    )
    _, other = tokens.create(
        session=db,
        company=acme_api["company"],
        owner=db.get(User, acme_api["owner"].user_id),
        name="Freshdesk",
    )
    db.commit()
    # Another token's key space: a new reply.
    assert client.post(url, json={"body": "Two"}, headers=bearer(other, **key)).status_code == 201
    db.execute(update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25)))
    db.commit()
    # A day later the key is free: the same body acts again.
    assert (
        client.post(url, json={"body": "One"}, headers=bearer(acme_api["token"], **key)).status_code
        == 201
    )
    assert sorted(m.body for m in replies(db, acme_api["complaint"].id)) == ["One", "One", "Two"]


def test_a_malformed_key_is_refused(client, db, acme_api):
    url = f"{API}/complaints/{acme_api['complaint'].id}/replies"
    response = client.post(
        url, json={"body": "Hi"}, headers=bearer(acme_api["token"], **{"Idempotency-Key": "a b"})
    )
    assert response.status_code == 400
    assert replies(db, acme_api["complaint"].id) == []


def test_concurrent_duplicates_make_one_reply(live_engine: Engine, live_client):
    with Session(live_engine, expire_on_commit=False) as db:
        world = acme_api_world(db)
    url = f"{API}/complaints/{world['complaint'].id}/replies"
    headers = bearer(world["token"], **{"Idempotency-Key": "race-1"})

    def send(_):
        return live_client.post(url, json={"body": "Only once, please."}, headers=headers)

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(send, range(4)))
    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    with Session(live_engine) as db:
        assert len(replies(db, world["complaint"].id)) == 1


# Agents -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("named_by", ["id", "email"])
def test_a_reply_for_an_agent_is_signed_by_that_agent(client, db, acme_api, named_by):
    agent = db.get(User, acme_api["agent"].user_id)
    who = str(agent.id) if named_by == "id" else agent.email.upper()
    response = client.post(
        f"{API}/complaints/{acme_api['complaint'].id}/replies",
        json={"body": "Sam here, sorting this out."},
        headers=bearer(acme_api["token"], **{"X-Outcry-Agent": who}),
    )
    assert response.status_code == 201, response.text
    assert response.json()["signature"] == "Sam Lee, Billing Specialist"
    assert response.json()["author_id"] == agent.id
    [message] = replies(db, acme_api["complaint"].id)
    assert message.author_id == agent.id
    # The first replier owns it: the agent, not the token's creator.
    db.refresh(acme_api["complaint"])
    assert acme_api["complaint"].assignee_id == agent.id
    page = client.get(f"/complaints/{acme_api['complaint'].id}").text
    assert "Sam Lee, Billing Specialist" in page


def test_an_agent_must_be_an_active_rep_of_the_tokens_company(client, db, acme_api):
    outsider = make_user(db, email="eve@example.org")
    globex = make_complaint(db, company_name="Globex Power")
    globex_rep = make_rep(db, db.get(Company, globex.company_id))
    revoked = make_rep(db, acme_api["company"], public_name="Gone Person")
    revoked.revoked_at = utcnow()
    db.add(revoked)
    db.commit()
    url = f"{API}/complaints/{acme_api['complaint'].id}/replies"
    for who in (outsider.email, str(globex_rep.user_id), str(revoked.user_id), "nobody", "999999"):
        response = client.post(
            url, json={"body": "Hi"}, headers=bearer(acme_api["token"], **{"X-Outcry-Agent": who})
        )
        assert response.status_code == 422, who
        assert "X-Outcry-Agent" in response.json()["detail"]
    assert replies(db, acme_api["complaint"].id) == []


# Incremental sync -------------------------------------------------------------------------------


def test_updated_since_returns_exactly_the_changed_complaints_page_by_page(client, db, acme_api):
    company = acme_api["company"]
    others = [
        make_complaint(db, company_name=company.name, title=f"Complaint number {n}")
        for n in range(5)
    ]
    globex = make_complaint(db, company_name="Globex Power", title="Someone else's complaint")
    ids = [acme_api["complaint"].id, *(c.id for c in others), globex.id]
    hour_ago = utcnow() - timedelta(hours=1)
    db.execute(update(Complaint).where(col(Complaint.id).in_(ids)).values(updated_at=hour_ago))
    db.commit()
    since = (utcnow() - timedelta(minutes=1)).isoformat()
    assert (
        client.get(
            f"{API}/complaints", params={"updated_since": since}, headers=bearer(acme_api["token"])
        ).json()["items"]
        == []
    )

    headers = bearer(acme_api["token"])
    base = f"{API}/complaints"
    client.post(f"{base}/{others[1].id}/replies", json={"body": "Looking"}, headers=headers)
    client.post(f"{base}/{others[3].id}/notes", json={"body": "VIP"}, headers=headers)
    client.post(f"{base}/{others[4].id}/assignment", json={}, headers=headers)
    client.post(
        f"/api/v1/company/complaints/{globex.id}/replies", json={"body": "x"}, headers=headers
    )

    seen, cursor = [], None
    for _ in range(5):
        params = {"updated_since": since, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = client.get(base, params=params, headers=headers).json()
        seen += [(item["id"], item["updated_at"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(i for i, _ in seen) == sorted([others[1].id, others[3].id, others[4].id])
    assert [at for _, at in seen] == sorted(at for _, at in seen)  # oldest change first
    assert page["total"] == 3


def test_a_forged_cursor_is_a_400(client, acme_api):
    response = client.get(
        f"{API}/complaints",
        params={"cursor": "bm90LWEtY3Vyc29y"},
        headers=bearer(acme_api["token"]),
    )
    assert response.status_code == 400


# Assignment, notes, members ---------------------------------------------------------------------


def test_assignment_notes_and_members(client, db, acme_api):
    headers = bearer(acme_api["token"])
    complaint_url = f"{API}/complaints/{acme_api['complaint'].id}"
    agent_id = acme_api["agent"].user_id

    members = client.get(f"{API}/members", headers=headers).json()
    assert {m["public_name"]: m["id"] for m in members} == {
        "Dana Ortiz": acme_api["owner"].user_id,
        "Sam Lee": agent_id,
    }
    assert all("email" not in m and m["updated_at"] for m in members)

    assigned = client.post(
        f"{complaint_url}/assignment", json={"assignee_id": agent_id}, headers=headers
    )
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == agent_id
    sam = next(
        m for m in client.get(f"{API}/members", headers=headers).json() if m["id"] == agent_id
    )
    assert sam["open_assigned"] == 1
    stranger = client.post(
        f"{complaint_url}/assignment", json={"assignee_id": 999_999}, headers=headers
    )
    assert stranger.status_code == 400

    created = client.post(
        f"{complaint_url}/notes",
        json={"body": "Refund approved by finance"},
        headers=bearer(acme_api["token"], **{"X-Outcry-Agent": str(agent_id)}),
    )
    assert created.status_code == 201
    note = created.json()
    assert note["author"] == "Sam Lee" and note["updated_at"]
    assert created.headers["location"] == f"{complaint_url}/notes/{note['id']}"
    assert client.get(created.headers["location"], headers=headers).json() == note
    assert [n["body"] for n in client.get(f"{complaint_url}/notes", headers=headers).json()] == [
        "Refund approved by finance"
    ]
    # Only the author edits a note.
    edit = {"body": "Refund approved by finance (ref F-12)"}
    refused = client.patch(created.headers["location"], json=edit, headers=headers)
    assert refused.status_code == 403
    edited = client.patch(
        created.headers["location"],
        json=edit,
        headers=bearer(acme_api["token"], **{"X-Outcry-Agent": str(agent_id)}),
    )
    assert edited.status_code == 200 and edited.json()["body"] == edit["body"]
    # Notes never reach the public page.
    assert "Refund approved" not in client.get(f"/complaints/{acme_api['complaint'].id}").text


def test_rate_limit_headers_on_reads_and_writes(client, acme_api):
    headers = bearer(acme_api["token"])
    first = client.get(f"{API}/complaints", headers=headers)
    second = client.get(f"{API}/complaints", headers=headers)
    assert first.headers["ratelimit-limit"] == "600"
    assert (
        int(second.headers["ratelimit-remaining"]) == int(first.headers["ratelimit-remaining"]) - 1
    )
    assert int(first.headers["ratelimit-reset"]) > 0
    write = client.post(
        f"{API}/complaints/{acme_api['complaint'].id}/replies", json={"body": "Hi"}, headers=headers
    )
    assert write.headers["ratelimit-limit"] == "120"


def test_housekeeping_forgets_keys_older_than_a_day(client, db, acme_api):
    url = f"{API}/complaints/{acme_api['complaint'].id}/replies"
    for key in ("old", "new"):
        headers = bearer(acme_api["token"], **{"Idempotency-Key": key})
        assert client.post(url, json={"body": key}, headers=headers).status_code == 201
    db.execute(
        update(IdempotentRequest)
        .where(col(IdempotentRequest.key) == "old")
        .values(created_at=utcnow() - timedelta(hours=25))
    )
    assert idempotency.purge(session=db) == 1
    assert [r.key for r in db.exec(select(IdempotentRequest))] == ["new"]
