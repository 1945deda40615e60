"""The owner's integrations pages: tokens shown once, revocation, webhook forms, who may see them."""

import hashlib
import re

import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.integrations import tokens, webhooks
from app.models.company import Company
from app.models.integration import ApiToken, Webhook
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import csrf_from, post_form

TOKEN_RE = re.compile(r'<code id="new-token">(outcry_[^<]+)</code>')


def _company(db: Session, name: str) -> tuple[Company, User]:
    complaint = make_complaint(db, company_name=name)
    company = db.get(Company, complaint.company_id)
    owner = make_rep(db, company, role=Role.OWNER)
    db.commit()
    return company, db.get(User, owner.user_id)


def page(company: Company, rest: str = "") -> str:
    return f"/dashboard/{company.slug}/integrations{rest}"


# Tokens ----------------------------------------------------------------------------------------


def test_token_is_shown_once_and_only_its_hash_is_kept(client, db, acme_owner):
    company, owner = acme_owner
    login(client, owner)
    response = post_form(
        client, page(company, "/tokens"), {"token_name": "Zendesk"}, page=page(company)
    )
    assert response.status_code == 200
    raw = TOKEN_RE.search(response.text).group(1)
    assert response.headers["cache-control"] == "no-store"

    token = db.exec(select(ApiToken).where(ApiToken.company_id == company.id)).one()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (token.name, token.prefix, token.token_hash)
    assert raw.startswith(token.prefix) and len(token.prefix) < 16

    again = client.get(page(company)).text
    assert raw not in again
    assert token.prefix in again and "Zendesk" in again

    api = client.get("/api/v1/company/complaints", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 200


def test_revoking_from_the_page_stops_the_token(client, db, acme_owner):
    company, owner = acme_owner
    token, raw = tokens.create(session=db, company=company, owner=owner, name="Old desk")
    db.commit()
    login(client, owner)
    response = post_form(
        client, page(company, f"/tokens/{token.id}/revoke"), {}, page=page(company)
    )
    assert response.status_code == 303
    db.refresh(token)
    assert token.revoked_at is not None
    api = client.get("/api/v1/company/complaints", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 401
    assert "revoked" in client.get(page(company)).text


def test_token_without_a_name_is_refused_and_nothing_created(client, db, acme_owner):
    company, owner = acme_owner
    login(client, owner)
    response = post_form(client, page(company, "/tokens"), {"token_name": "  "}, page=page(company))
    assert response.status_code == 422
    assert "Give the token a name" in response.text
    assert db.exec(select(ApiToken)).all() == []


def test_owner_cannot_revoke_another_companys_token(client, db, acme_owner):
    company, owner = acme_owner
    globex, globex_owner = _company(db, "Globex Power")
    theirs, _ = tokens.create(session=db, company=globex, owner=globex_owner, name="Theirs")
    db.commit()
    login(client, owner)
    response = post_form(
        client, page(company, f"/tokens/{theirs.id}/revoke"), {}, page=page(company)
    )
    assert response.status_code == 404
    db.refresh(theirs)
    assert theirs.revoked_at is None


# Webhook forms ---------------------------------------------------------------------------------


def test_add_webhook_on_loopback_in_test_environment(client, db, acme_owner):
    company, owner = acme_owner
    login(client, owner)
    response = post_form(
        client,
        page(company, "/webhooks"),
        {"url": "http://127.0.0.1:9/hooks", "events": ["complaint.created", "message.created"]},
        page=page(company),
    )
    assert response.status_code == 303
    hook = db.exec(select(Webhook).where(Webhook.company_id == company.id)).one()
    assert hook.events == ["complaint.created", "message.created"]
    assert hook.active and len(hook.secret) >= 32
    shown = client.get(page(company)).text
    assert "http://127.0.0.1:9/hooks" in shown and hook.secret in shown


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        ("http://helpdesk.example.com/hook", ["complaint.created"], "must start with https://"),
        ("ftp://helpdesk.example.com/hook", ["complaint.created"], "must start with https://"),
        ("https://10.0.0.7/hook", ["complaint.created"], "private"),
        ("https://user:pw@helpdesk.example.com/", ["complaint.created"], "full address"),
        ("https://helpdesk.example.com/hook", [], "Choose at least one"),
        ("https://helpdesk.example.com/hook", ["complaint.deleted"], "Choose at least one"),
    ],
)
def test_bad_webhooks_are_refused_keeping_what_was_typed(
    client, db, acme_owner, url, events, message
):
    company, owner = acme_owner
    login(client, owner)
    response = post_form(
        client, page(company, "/webhooks"), {"url": url, "events": events}, page=page(company)
    )
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{url}"' in response.text  # nothing typed is lost
    assert db.exec(select(Webhook)).all() == []


def test_disable_enable_and_delete_a_webhook(client, db, acme_owner):
    company, owner = acme_owner
    hook = webhooks.create(
        session=db,
        company=company,
        owner=owner,
        url="https://h.example.com/",
        events=["complaint.created"],
    )
    db.commit()
    login(client, owner)
    assert (
        post_form(
            client, page(company, f"/webhooks/{hook.id}/disable"), {}, page=page(company)
        ).status_code
        == 303
    )
    db.refresh(hook)
    assert not hook.active
    assert (
        post_form(
            client, page(company, f"/webhooks/{hook.id}/enable"), {}, page=page(company)
        ).status_code
        == 303
    )
    db.refresh(hook)
    assert hook.active
    assert (
        post_form(
            client, page(company, f"/webhooks/{hook.id}/delete"), {}, page=page(company)
        ).status_code
        == 303
    )
    db.expire_all()
    assert db.get(Webhook, hook.id) is None


# Who may see and change them -------------------------------------------------------------------


@pytest.fixture
def outsiders(db: Session, acme_owner) -> dict[str, User | None]:
    company, _ = acme_owner
    _, globex_owner = _company(db, "Globex Power")
    agent = make_rep(db, company, role=Role.AGENT)
    revoked = make_rep(db, company, role=Role.OWNER)
    revoked.revoked_at = utcnow()
    db.add(revoked)
    db.commit()
    return {
        "consumer": make_user(db),
        "agent of this company": db.get(User, agent.user_id),
        "owner of another company": globex_owner,
        "revoked owner": db.get(User, revoked.user_id),
    }


@pytest.mark.parametrize(
    "who", ["consumer", "agent of this company", "owner of another company", "revoked owner"]
)
def test_only_owners_reach_the_integrations_pages(client, db, acme_owner, outsiders, who):
    company, owner = acme_owner
    token, raw = tokens.create(session=db, company=company, owner=owner, name="Desk")
    hook = webhooks.create(
        session=db,
        company=company,
        owner=owner,
        url="https://h.example.com/",
        events=["complaint.created"],
    )
    db.commit()
    login(client, outsiders[who])
    assert client.get(page(company)).status_code == 403
    token_for_form = csrf_from(client, "/companies")
    attempts = {
        "/tokens": {"token_name": "Sneaky"},
        f"/tokens/{token.id}/revoke": {},
        "/webhooks": {"url": "https://evil.example.com/", "events": ["complaint.created"]},
        f"/webhooks/{hook.id}/delete": {},
        f"/webhooks/{hook.id}/disable": {},
    }
    for rest, data in attempts.items():
        response = client.post(page(company, rest), data={**data, "csrf_token": token_for_form})
        assert response.status_code == 403, rest
    db.expire_all()
    assert [t.name for t in db.exec(select(ApiToken))] == ["Desk"]
    assert db.get(ApiToken, token.id).revoked_at is None
    assert [h.url for h in db.exec(select(Webhook))] == ["https://h.example.com/"]
    assert db.get(Webhook, hook.id).active
    assert raw not in client.get(page(company)).text


def test_anonymous_visitors_are_sent_to_log_in(client, acme_owner):
    company, _ = acme_owner
    response = client.get(page(company), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_forms_need_a_csrf_token(client, db, acme_owner):
    company, owner = acme_owner
    login(client, owner)
    response = client.post(page(company, "/tokens"), data={"token_name": "No CSRF"})
    assert response.status_code == 403
    response = client.post(
        page(company, "/tokens"), data={"token_name": "Forged", "csrf_token": "0" * 64}
    )
    assert response.status_code == 403
    assert db.exec(select(ApiToken)).all() == []


def test_unknown_company_is_404(client, db, acme_owner):
    _, owner = acme_owner
    login(client, owner)
    assert client.get("/dashboard/no-such-company/integrations").status_code == 404
