"""Members and roles: invitations by email, accepting them, roles, revoking, public names."""

import hashlib
import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote

import pytest
from sqlmodel import select

from app.clock import utcnow
from app.companies import invitations, team
from app.companies import service as companies
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.job import Job
from app.models.membership import CompanyMember, Invitation, Role
from app.models.user import User
from tests.support.factories import PASSWORD, finish_sign_up, login, make_rep, make_user
from tests.support.forms import post_form

LINK_RE = re.compile(r"http://testserver/invitations/([A-Za-z0-9_-]+)")


@pytest.fixture
def company(db) -> Company:
    return companies.create(session=db, name="Acme Telecom", domain="acme-telecom.example")


@pytest.fixture
def owner(db, company) -> CompanyMember:
    return make_rep(db, company, role=Role.OWNER, public_name="Olive Owner")


def user_of(db, member: CompanyMember) -> User:
    return db.get(User, member.user_id)


def audit_actions(db, target_type: str, target_id: int) -> list[str]:
    return list(
        db.exec(
            select(AuditEntry.action).where(
                AuditEntry.target_type == target_type, AuditEntry.target_id == target_id
            )
        )
    )


def invite(client, company: Company, email: str, role: str = "agent"):
    return post_form(
        client,
        f"/dashboard/{company.slug}/members/invite",
        {"email": email, "role": role},
        page=f"/dashboard/{company.slug}/members",
    )


def mailed_token(db, invitation: Invitation) -> str:
    job = db.exec(select(Job).where(Job.key == f"mail:invitation:{invitation.id}")).one()
    match = LINK_RE.search(job.payload["text"])
    assert match, job.payload["text"]
    return match.group(1)


def the_invitation(db, company: Company, email: str) -> Invitation:
    return db.exec(
        select(Invitation)
        .where(Invitation.company_id == company.id, Invitation.email == email)
        .order_by(Invitation.id.desc())
    ).first()


def field_error(html: str, name: str) -> str | None:
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        if f'name="{name}"' in block:
            message = re.search(r'<p class="error"[^>]*>(.*?)</p>', block, re.S)
            return unescape(message.group(1)).strip() if message else ""
    return None


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no input named {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


# Inviting ------------------------------------------------------------------------------------


def test_owner_invites_by_email_and_the_link_is_mailed(client, db, company, owner):
    login(client, user_of(db, owner))
    response = invite(client, company, "  Dana.Ortiz@Example.org ", "agent")
    assert response.status_code == 303

    invitation = the_invitation(db, company, "dana.ortiz@example.org")
    assert invitation.role is Role.AGENT
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    job = db.exec(select(Job).where(Job.key == f"mail:invitation:{invitation.id}")).one()
    assert job.payload["to"] == "dana.ortiz@example.org"
    assert "Acme Telecom" in job.payload["subject"]
    token = mailed_token(db, invitation)
    # Only the hash is stored: the database never holds a working link.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert audit_actions(db, "invitation", invitation.id) == ["invitation.create"]

    page = client.get(f"/dashboard/{company.slug}/members").text
    assert "dana.ortiz@example.org as agent" in page


def test_a_new_invitation_to_the_same_address_kills_the_old_link(client, db, company, owner):
    login(client, user_of(db, owner))
    invite(client, company, "dana@example.org")
    first = the_invitation(db, company, "dana@example.org")
    old_token = mailed_token(db, first)
    invite(client, company, "dana@example.org", "owner")
    second = the_invitation(db, company, "dana@example.org")
    assert second.id != first.id

    assert client.get(f"/invitations/{old_token}").status_code == 410
    assert client.get(f"/invitations/{mailed_token(db, second)}").status_code == 200
    page = client.get(f"/dashboard/{company.slug}/members").text
    assert page.count("dana@example.org as") == 1


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "does not look like an email address"),
        ("", "does not look like an email address"),
    ],
)
def test_a_bad_address_is_refused_next_to_the_field(client, db, company, owner, email, message):
    login(client, user_of(db, owner))
    response = invite(client, company, email, "owner")
    assert response.status_code == 422
    assert message in field_error(response.text, "email")
    assert input_value(response.text, "email") == email
    assert 'value="owner" checked' in response.text  # the chosen role is kept too
    assert db.exec(select(Invitation)).all() == []
    assert db.exec(select(Job)).all() == []


def test_inviting_a_current_member_is_refused(client, db, company, owner):
    agent = make_rep(db, company)
    agent_email = user_of(db, agent).email
    login(client, user_of(db, owner))
    response = invite(client, company, agent_email.upper())
    assert response.status_code == 422
    assert "already a member" in field_error(response.text, "email")
    assert db.exec(select(Invitation)).all() == []


# Accepting -----------------------------------------------------------------------------------


def invited(db, company, owner, email="dana@example.org", role=Role.AGENT, **kw):
    invitation, token = invitations.invite(
        session=db, company=company, actor=user_of(db, owner), email=email, role=role, **kw
    )
    return invitation, token


def test_the_invited_person_accepts_with_a_matching_account(client, db, company, owner):
    dana = make_user(db, email="dana@example.org", name="Dana Ortiz")
    _invitation, token = invited(db, company, owner, email="DANA@Example.ORG", role=Role.OWNER)
    login(client, dana)

    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "Accept and join Acme Telecom" in page.text
    response = post_form(client, f"/invitations/{token}", {})
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/{company.slug}/me?done=joined"

    member = db.exec(select(CompanyMember).where(CompanyMember.user_id == dana.id)).one()
    assert (member.role, member.public_name, member.revoked_at) == (Role.OWNER, "Dana Ortiz", None)
    invitation = the_invitation(db, company, "dana@example.org")
    assert invitation.accepted_at is not None and invitation.accepted_by_id == dana.id
    assert audit_actions(db, "company_member", member.id) == ["member.join"]
    welcome = client.get(response.headers["location"])
    assert welcome.status_code == 200
    assert input_value(welcome.text, "public_name") == "Dana Ortiz"


def test_an_anonymous_visitor_logs_in_and_comes_back_to_accept(client, db, company, owner):
    dana = make_user(db, email="dana@example.org")
    _invitation, token = invited(db, company, owner)
    path = f"/invitations/{token}"

    page = client.get(path)
    assert page.status_code == 200
    assert f'href="/login?next={quote(path)}"' in page.text
    assert "Accept and join" not in page.text
    refused = post_form(client, path, {}, page="/login")  # posting anyway leads to the login page
    assert refused.status_code == 303
    assert refused.headers["location"] == f"/login?next={quote(path)}"

    back = post_form(
        client,
        "/login",
        {"email": dana.email, "password": PASSWORD, "next": path},
        page=f"/login?next={path}",
    )
    assert back.headers["location"] == path
    assert post_form(client, path, {}).status_code == 303
    assert db.exec(select(CompanyMember).where(CompanyMember.user_id == dana.id)).one()


def test_a_newcomer_signs_up_with_the_invited_address_and_comes_back(client, db, company, owner):
    _invitation, token = invited(db, company, owner, email="newbie@example.org")
    path = f"/invitations/{token}"
    assert f'href="/signup?next={quote(path)}"' in client.get(path).text
    response = post_form(
        client,
        "/signup",
        {
            "email": "Newbie@example.org",
            "display_name": "Nia Newbie",
            "password": "a long enough phrase",
            "next": path,
        },
        page=f"/signup?next={path}",
    )
    assert response.headers["location"] == "/signup/sent"
    response = finish_sign_up(client, db, "newbie@example.org")  # the mailed link leads back
    assert response.headers["location"] == path
    assert post_form(client, path, {}).status_code == 303
    member = db.exec(
        select(CompanyMember)
        .where(CompanyMember.company_id == company.id)
        .order_by(CompanyMember.id.desc())
    ).first()
    assert member.public_name == "Nia Newbie"


def test_a_different_account_is_refused_and_the_link_stays_valid(client, db, company, owner):
    mallory = make_user(db, email="mallory@example.org")
    invitation, token = invited(db, company, owner)
    login(client, mallory)

    page = client.get(f"/invitations/{token}")
    assert "this invitation is for dana@example.org" in page.text
    assert "Accept and join" not in page.text
    response = post_form(client, f"/invitations/{token}", {})
    assert response.status_code == 403
    assert "sent to dana@example.org" in unescape(response.text)
    assert db.exec(select(CompanyMember).where(CompanyMember.user_id == mallory.id)).all() == []
    db.refresh(invitation)
    assert invitation.accepted_at is None


def test_a_used_link_cannot_be_used_again(client, other_client, db, company, owner):
    dana = make_user(db, email="dana@example.org")
    _invitation, token = invited(db, company, owner)
    login(client, dana)
    assert post_form(client, f"/invitations/{token}", {}).status_code == 303
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 410
    assert "already been used" in page.text

    # Even the right account cannot use it twice, nor can anyone else.
    assert post_form(client, f"/invitations/{token}", {}, page="/").status_code == 410
    login(other_client, make_user(db, email="eve@example.org"))
    token_field = re.search(r'name="csrf_token" value="([^"]+)"', other_client.get("/").text)
    replay = other_client.post(f"/invitations/{token}", data={"csrf_token": token_field.group(1)})
    assert replay.status_code == 410
    members = db.exec(select(CompanyMember).where(CompanyMember.company_id == company.id)).all()
    assert len(members) == 2  # the owner and Dana


def test_an_expired_invitation_is_refused(client, db, company, owner):
    dana = make_user(db, email="dana@example.org")
    _invitation, token = invited(db, company, owner, now=utcnow() - timedelta(days=7, minutes=1))
    login(client, dana)
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 410
    assert "has expired" in page.text
    token_field = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    assert client.post(f"/invitations/{token}", data={"csrf_token": token_field}).status_code == 410
    assert db.exec(select(CompanyMember).where(CompanyMember.user_id == dana.id)).all() == []


def test_an_invitation_still_valid_a_minute_before_expiry(client, db, company, owner):
    dana = make_user(db, email="dana@example.org")
    _invitation, token = invited(db, company, owner, now=utcnow() - timedelta(days=6, hours=23))
    login(client, dana)
    assert post_form(client, f"/invitations/{token}", {}).status_code == 303


def test_a_cancelled_invitation_is_refused(client, other_client, db, company, owner):
    invitation, token = invited(db, company, owner)
    login(client, user_of(db, owner))
    response = post_form(
        client,
        f"/dashboard/{company.slug}/invitations/{invitation.id}/cancel",
        {},
        page=f"/dashboard/{company.slug}/members",
    )
    assert response.status_code == 303
    assert "dana@example.org" not in client.get(f"/dashboard/{company.slug}/members").text
    assert audit_actions(db, "invitation", invitation.id) == [
        "invitation.create",
        "invitation.cancel",
    ]

    dana = make_user(db, email="dana@example.org")
    login(other_client, dana)
    page = other_client.get(f"/invitations/{token}")
    assert page.status_code == 410
    assert "was cancelled" in page.text
    token_field = re.search(r'name="csrf_token" value="([^"]+)"', other_client.get("/").text)
    post = other_client.post(f"/invitations/{token}", data={"csrf_token": token_field.group(1)})
    assert post.status_code == 410
    assert db.exec(select(CompanyMember).where(CompanyMember.user_id == dana.id)).all() == []


def test_an_unknown_link_is_not_found(client):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 404
    assert "not valid" in response.text


# Roles and revoking --------------------------------------------------------------------------


def role_path(company, member, action="role") -> str:
    return f"/dashboard/{company.slug}/members/{member.id}/{action}"


def test_owner_promotes_and_demotes_an_agent(client, db, company, owner):
    agent = make_rep(db, company)
    login(client, user_of(db, owner))
    members_page = f"/dashboard/{company.slug}/members"
    response = post_form(client, role_path(company, agent), {"role": "owner"}, page=members_page)
    assert response.status_code == 303
    db.refresh(agent)
    assert agent.role is Role.OWNER
    post_form(client, role_path(company, agent), {"role": "agent"}, page=members_page)
    db.refresh(agent)
    assert agent.role is Role.AGENT
    assert audit_actions(db, "company_member", agent.id) == ["member.role", "member.role"]


def test_a_nonsense_role_is_refused(client, db, company, owner):
    agent = make_rep(db, company)
    login(client, user_of(db, owner))
    response = post_form(
        client,
        role_path(company, agent),
        {"role": "emperor"},
        page=f"/dashboard/{company.slug}/members",
    )
    assert response.status_code == 400
    assert "agent or owner" in response.text
    db.refresh(agent)
    assert agent.role is Role.AGENT


def test_the_last_owner_cannot_be_demoted_or_removed(client, db, company, owner):
    login(client, user_of(db, owner))
    members_page = f"/dashboard/{company.slug}/members"
    demote = post_form(client, role_path(company, owner), {"role": "agent"}, page=members_page)
    assert demote.status_code == 409
    assert "last owner" in demote.text
    remove = post_form(client, role_path(company, owner, "revoke"), {}, page=members_page)
    assert remove.status_code == 409
    assert "last owner" in remove.text
    db.refresh(owner)
    assert (owner.role, owner.revoked_at) == (Role.OWNER, None)
    assert audit_actions(db, "company_member", owner.id) == []


def test_with_two_owners_one_may_step_down_but_not_the_other(client, db, company, owner):
    second = make_rep(db, company, role=Role.OWNER)
    login(client, user_of(db, owner))
    members_page = f"/dashboard/{company.slug}/members"
    assert (
        post_form(client, role_path(company, second), {"role": "agent"}, page=members_page)
    ).status_code == 303
    refused = post_form(client, role_path(company, owner), {"role": "agent"}, page=members_page)
    assert refused.status_code == 409
    db.refresh(owner)
    assert owner.role is Role.OWNER


def test_an_owner_may_remove_themself_when_another_owner_remains(client, db, company, owner):
    make_rep(db, company, role=Role.OWNER)
    login(client, user_of(db, owner))
    response = post_form(
        client,
        role_path(company, owner, "revoke"),
        {},
        page=f"/dashboard/{company.slug}/members",
    )
    assert response.headers["location"] == f"/companies/{company.slug}"
    assert client.get(f"/dashboard/{company.slug}/members").status_code == 403


def test_a_revoked_member_loses_access_on_the_next_request(
    client, other_client, db, company, owner
):
    agent = make_rep(db, company)
    login(other_client, user_of(db, agent))
    assert other_client.get(f"/dashboard/{company.slug}/me").status_code == 200
    form_token = re.search(
        r'name="csrf_token" value="([^"]+)"',
        other_client.get(f"/dashboard/{company.slug}/me").text,
    ).group(1)

    login(client, user_of(db, owner))
    response = post_form(
        client, role_path(company, agent, "revoke"), {}, page=f"/dashboard/{company.slug}/members"
    )
    assert response.status_code == 303
    db.refresh(agent)
    assert agent.revoked_at is not None
    assert audit_actions(db, "company_member", agent.id) == ["member.revoke"]

    # Same login, no new session: the very next request is refused, reads and writes alike.
    assert other_client.get(f"/dashboard/{company.slug}/me").status_code == 403
    late = other_client.post(
        f"/dashboard/{company.slug}/me",
        data={"public_name": "Still Here", "csrf_token": form_token},
    )
    assert late.status_code == 403
    db.refresh(agent)
    assert agent.public_name != "Still Here"
    assert f"member-{agent.id}" not in client.get(f"/dashboard/{company.slug}/members").text


def test_a_revoked_member_loses_the_main_dashboard_too(client, other_client, db, company, owner):
    agent = make_rep(db, company)
    login(other_client, user_of(db, agent))
    before = other_client.get(f"/dashboard/{company.slug}")
    if before.status_code == 404:
        pytest.skip("the dashboard (/dashboard/{slug}) is not mounted in this build")
    assert before.status_code == 200
    team.revoke(session=db, company_id=company.id, actor=user_of(db, owner), member_id=agent.id)
    assert other_client.get(f"/dashboard/{company.slug}").status_code == 403


def test_a_former_member_can_be_invited_back(client, db, company, owner):
    agent = make_rep(db, company)
    agent_user = user_of(db, agent)
    team.revoke(session=db, company_id=company.id, actor=user_of(db, owner), member_id=agent.id)
    _invitation, token = invited(db, company, owner, email=agent_user.email, role=Role.OWNER)
    login(client, agent_user)
    assert post_form(client, f"/invitations/{token}", {}).status_code == 303
    db.refresh(agent)
    assert (agent.role, agent.revoked_at) == (Role.OWNER, None)
    assert client.get(f"/dashboard/{company.slug}/members").status_code == 200


# The rep's public name -----------------------------------------------------------------------


def save_me(client, company, public_name: str, job_title: str = ""):
    return post_form(
        client,
        f"/dashboard/{company.slug}/me",
        {"public_name": public_name, "job_title": job_title},
    )


def test_a_rep_sets_their_public_name_and_job_title(client, db, company):
    agent = make_rep(db, company, public_name="Old Name")
    login(client, user_of(db, agent))
    response = save_me(client, company, "  Dana   Ortiz ", "Customer Relations Lead")
    assert response.status_code == 303
    db.refresh(agent)
    assert (agent.public_name, agent.job_title) == ("Dana Ortiz", "Customer Relations Lead")
    page = client.get(response.headers["location"]).text
    assert "signed “Dana Ortiz, Customer Relations Lead”" in unescape(page)
    assert audit_actions(db, "company_member", agent.id) == ["member.public_name"]


@pytest.mark.parametrize(
    "generic",
    [
        "Support Team",
        "Customer Service",
        "Admin",
        "customer  care",
        "Acme Telecom Support",
        "The Team",
    ],
)
def test_generic_names_are_refused(client, db, company, generic):
    agent = make_rep(db, company, public_name="Dana Ortiz")
    login(client, user_of(db, agent))
    response = save_me(client, company, generic, "Head of Support")
    assert response.status_code == 422
    assert "is a department, not a person" in field_error(response.text, "public_name")
    assert input_value(response.text, "public_name") == generic
    assert input_value(response.text, "job_title") == "Head of Support"
    db.refresh(agent)
    assert (agent.public_name, agent.job_title) == ("Dana Ortiz", "")


@pytest.mark.parametrize("name", ["Dana O.", "Sam Service", "Adminah Reyes"])
def test_real_names_that_contain_generic_words_are_accepted(client, db, company, name):
    agent = make_rep(db, company)
    login(client, user_of(db, agent))
    assert save_me(client, company, name).status_code == 303
    db.refresh(agent)
    assert agent.public_name == name


def test_a_too_short_name_is_refused(client, db, company):
    agent = make_rep(db, company, public_name="Dana Ortiz")
    login(client, user_of(db, agent))
    response = save_me(client, company, " ", "x" * 81)
    assert response.status_code == 422
    assert "2 to 60 characters" in field_error(response.text, "public_name")
    assert "under 80 characters" in field_error(response.text, "job_title")


# CSRF ----------------------------------------------------------------------------------------


def test_team_changes_without_a_csrf_token_change_nothing(client, db, company, owner):
    agent = make_rep(db, company)
    login(client, user_of(db, owner))
    slug = company.slug
    for path, data in [
        (f"/dashboard/{slug}/members/invite", {"email": "x@example.org", "role": "agent"}),
        (f"/dashboard/{slug}/members/{agent.id}/role", {"role": "owner"}),
        (f"/dashboard/{slug}/members/{agent.id}/revoke", {}),
        (f"/dashboard/{slug}/me", {"public_name": "Forged Name"}),
    ]:
        assert client.post(path, data=data).status_code == 403, path
    db.refresh(agent)
    db.refresh(owner)
    assert (agent.role, agent.revoked_at) == (Role.AGENT, None)
    assert owner.public_name == "Olive Owner"
    assert db.exec(select(Invitation)).all() == []
