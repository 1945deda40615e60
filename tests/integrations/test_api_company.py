"""The company-side API: bearer tokens, the authorization matrix, replies and resolutions."""

import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.integrations import tokens
from app.models.company import Company
from app.models.complaint import ComplaintState, InternalNote, Message
from app.models.membership import Claim, ClaimStatus, Role
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep

API = "/api/v1/company/complaints"


def _user(db: Session, user_id: int) -> User:
    return db.get(User, user_id)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def other_company(db: Session):
    complaint = make_complaint(db, company_name="Globex Power", title="Power cut for six days")
    company = db.get(Company, complaint.company_id)
    owner = make_rep(db, company, role=Role.OWNER)
    _, raw = tokens.create(
        session=db, company=company, owner=_user(db, owner.user_id), name="Globex desk"
    )
    db.commit()
    return complaint, raw


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


# Authentication --------------------------------------------------------------------------------


def test_list_shows_own_complaints_with_private_reference_but_no_emails(client, db, acme_api):
    db.add(InternalNote(complaint_id=acme_api["complaint"].id, body="Refund approved by finance"))
    db.commit()
    response = client.get(API, headers=bearer(acme_api["token"]))
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 1
    item = page["items"][0]
    assert item["id"] == acme_api["complaint"].id
    assert item["private_reference"] == "ACC-778899"
    assert item["author"] == "Carol"
    assert "carol@example.org" not in response.text
    assert "Refund approved by finance" not in response.text


def test_no_token_is_401_with_a_bearer_challenge(client, acme_api):
    response = client.get(API)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer outcry_not-a-real-token",
        "Bearer something-else",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ],
)
def test_bad_tokens_are_refused(client, acme_api, header):
    assert_problem(client.get(API, headers={"Authorization": header}), 401)


@pytest.mark.parametrize("who", ["consumer", "owner"])
def test_browser_login_does_not_open_the_company_api(client, db, acme_api, who):
    # Not even the owner's own browser session: the company API takes bearer tokens only.
    complaint = acme_api["complaint"]
    login(
        client, _user(db, complaint.author_id if who == "consumer" else acme_api["owner"].user_id)
    )
    assert_problem(client.get(API), 401)
    body = {"body": "Sent from a browser"}
    assert_problem(client.post(f"{API}/{complaint.id}/replies", json=body), 401)
    assert db.exec(select(Message).where(Message.body == "Sent from a browser")).first() is None


def test_revoked_token_is_refused_at_once(client, db, acme_api):
    assert client.get(API, headers=bearer(acme_api["token"])).status_code == 200
    token = db.exec(select(tokens.ApiToken)).first()
    tokens.revoke(
        session=db,
        company=acme_api["company"],
        owner=_user(db, acme_api["owner"].user_id),
        token_id=token.id,
    )
    db.commit()
    assert_problem(client.get(API, headers=bearer(acme_api["token"])), 401)


def test_token_stops_when_its_creator_is_revoked(client, db, acme_api):
    acme_api["owner"].revoked_at = utcnow()
    db.add(acme_api["owner"])
    db.commit()
    assert_problem(client.get(API, headers=bearer(acme_api["token"])), 401)


def test_token_stops_when_the_claim_is_suspended(client, db, acme_api):
    claim = db.exec(select(Claim).where(Claim.company_id == acme_api["company"].id)).one()
    claim.status = ClaimStatus.SUSPENDED
    db.add(claim)
    db.commit()
    assert_problem(client.get(API, headers=bearer(acme_api["token"])), 401)


def test_last_used_is_recorded(client, db, acme_api):
    token = db.exec(select(tokens.ApiToken)).one()
    assert token.last_used_at is None
    client.get(API, headers=bearer(acme_api["token"]))
    db.refresh(token)
    assert token.last_used_at is not None


# Another company's complaints ------------------------------------------------------------------


def test_company_a_token_never_reaches_company_b(client, db, acme_api):
    theirs, _ = other_company(db)
    headers = bearer(acme_api["token"])
    listed = client.get(API, headers=headers).json()
    assert [c["id"] for c in listed["items"]] == [acme_api["complaint"].id]
    assert_problem(client.get(f"{API}/{theirs.id}", headers=headers), 404)
    assert_problem(
        client.post(f"{API}/{theirs.id}/replies", json={"body": "Not ours"}, headers=headers), 404
    )
    assert_problem(
        client.post(
            f"{API}/{theirs.id}/resolve",
            json={"resolution_type": "explanation", "body": "Not ours"},
            headers=headers,
        ),
        404,
    )
    db.refresh(theirs)
    assert theirs.state is ComplaintState.OPEN
    assert db.exec(select(Message).where(Message.complaint_id == theirs.id)).all() == []


def test_unknown_complaint_is_404(client, acme_api):
    assert_problem(client.get(f"{API}/999999", headers=bearer(acme_api["token"])), 404)


# Filters and paging ----------------------------------------------------------------------------


def test_filters_and_paging(client, db, acme_api):
    company = acme_api["company"]
    owner = _user(db, acme_api["owner"].user_id)
    extra = [
        make_complaint(db, company_name=company.name, title=f"Second problem number {i}")
        for i in range(3)
    ]
    extra[0].assignee_id = owner.id
    extra[1].state = ComplaintState.ANSWERED
    db.add_all(extra[:2])
    db.commit()
    headers = bearer(acme_api["token"])

    everything = client.get(API, headers=headers).json()
    assert everything["total"] == 4

    answered = client.get(API, params={"state": "answered"}, headers=headers).json()
    assert [c["id"] for c in answered["items"]] == [extra[1].id]

    unassigned = client.get(API, params={"unassigned": "true"}, headers=headers).json()
    assert unassigned["total"] == 3
    assert extra[0].id not in [c["id"] for c in unassigned["items"]]

    first = client.get(API, params={"limit": 3}, headers=headers).json()
    second = client.get(API, params={"limit": 3, "offset": 3}, headers=headers).json()
    ids = [c["id"] for c in first["items"]] + [c["id"] for c in second["items"]]
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert sorted(ids) == sorted([acme_api["complaint"].id] + [c.id for c in extra])

    assert_problem(client.get(API, params={"state": "bogus"}, headers=headers), 422)
    assert_problem(client.get(API, params={"limit": 0}, headers=headers), 422)


# Replies and resolutions -----------------------------------------------------------------------


def test_reply_is_public_and_signed_by_the_token_creator(client, db, acme_api):
    cid = acme_api["complaint"].id
    response = client.post(
        f"{API}/{cid}/replies",
        json={"body": "We have refunded the second charge today."},
        headers=bearer(acme_api["token"]),
    )
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["signature"] == "Dana Ortiz, Customer Relations Lead"
    assert message["side"] == "company"

    page = client.get(f"/complaints/{cid}").text
    assert "We have refunded the second charge today." in page
    assert "Dana Ortiz, Customer Relations Lead" in page

    detail = client.get(f"{API}/{cid}", headers=bearer(acme_api["token"])).json()
    assert detail["state"] == "answered"
    assert detail["messages"][-1]["body"] == "We have refunded the second charge today."


def test_resolve_then_state_machine_refusal_is_409(client, db, acme_api):
    cid = acme_api["complaint"].id
    headers = bearer(acme_api["token"])
    resolved = client.post(
        f"{API}/{cid}/resolve",
        json={"resolution_type": "monetary_relief", "body": "Refunded in full."},
        headers=headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["state"] == "resolved"
    assert resolved.json()["resolution_type"] == "monetary_relief"

    again = client.post(
        f"{API}/{cid}/resolve", json={"resolution_type": "explanation"}, headers=headers
    )
    assert "cannot be marked resolved" in assert_problem(again, 409)["detail"]


def test_reply_to_a_withdrawn_complaint_is_409_and_changes_nothing(client, db, acme_api):
    complaint = acme_api["complaint"]
    complaint.state = ComplaintState.WITHDRAWN
    db.add(complaint)
    db.commit()
    response = client.post(
        f"{API}/{complaint.id}/replies",
        json={"body": "Too late?"},
        headers=bearer(acme_api["token"]),
    )
    assert_problem(response, 409)
    assert db.exec(select(Message).where(Message.body == "Too late?")).first() is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("replies", {}),
        ("replies", {"body": "   "}),
        ("replies", {"body": "x" * 10_001}),
        ("resolve", {"resolution_type": "magic"}),
    ],
)
def test_invalid_bodies_are_422(client, db, acme_api, path, body):
    cid = acme_api["complaint"].id
    response = client.post(f"{API}/{cid}/{path}", json=body, headers=bearer(acme_api["token"]))
    assert_problem(response, 422)
    db.refresh(acme_api["complaint"])
    assert acme_api["complaint"].state is ComplaintState.OPEN
