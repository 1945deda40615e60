"""Authorization matrix over every team and profile route: who is let in, who is refused, and that
a refused request changes nothing."""

from dataclasses import dataclass

import pytest
from sqlmodel import Session, func, select

from app.companies import invitations, team
from app.companies import profile as profiles
from app.companies import service as companies
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.job import Job
from app.models.membership import CompanyMember, Invitation, Role
from app.models.user import User
from tests.support.factories import login, make_rep, make_user
from tests.support.forms import post_form

ACTORS = ("anonymous", "consumer", "agent", "owner", "other_owner", "revoked")


@dataclass
class World:
    company: Company
    users: dict[str, User | None]
    target: CompanyMember  # an agent the owner-only actions are aimed at
    invitation: Invitation


@pytest.fixture
def world(db: Session, web_app) -> World:
    web_app.dependency_overrides[profiles.handle_resolver] = lambda: {"acme.com": "did:web:a"}.get
    company = companies.create(session=db, name="Acme Telecom", domain="acme-telecom.example")
    other = companies.create(session=db, name="Globex", domain="globex.example")
    owner = make_rep(db, company, role=Role.OWNER, public_name="Olive Owner")
    agent = make_rep(db, company, public_name="Alex Agent")
    target = make_rep(db, company, public_name="Tess Target")
    revoked = make_rep(db, company, role=Role.OWNER, public_name="Rex Revoked")
    other_owner = make_rep(db, other, role=Role.OWNER, public_name="Gil Globex")
    owner_user = db.get(User, owner.user_id)
    team.revoke(session=db, company_id=company.id, actor=owner_user, member_id=revoked.id)
    invitation, _token = invitations.invite(
        session=db, company=company, actor=owner_user, email="pending@example.org", role=Role.AGENT
    )
    users: dict[str, User | None] = {
        "anonymous": None,
        "consumer": make_user(db),
        "agent": db.get(User, agent.user_id),
        "owner": owner_user,
        "other_owner": db.get(User, other_owner.user_id),
        "revoked": db.get(User, revoked.user_id),
    }
    db.commit()  # as if made by earlier requests: a refused request's rollback keeps them
    return World(company, users, target, invitation)


def snapshot(db: Session, world: World) -> dict:
    """Everything these routes could change."""
    db.expire_all()
    return {
        "members": sorted(
            (m.id, m.role, m.revoked_at, m.public_name, m.job_title)
            for m in db.exec(select(CompanyMember))
        ),
        "invitations": sorted(
            (i.id, i.email, i.accepted_at, i.revoked_at) for i in db.exec(select(Invitation))
        ),
        "company": db.get(Company, world.company.id).model_dump(),
        "audit": db.exec(select(func.count()).select_from(AuditEntry)).one(),
        "jobs": db.exec(select(func.count()).select_from(Job)).one(),
    }


# (method, path, form, who may) — the path is formatted with the world's slug and ids.
ROUTES = [
    ("GET", "/dashboard/{slug}/members", {}, {"owner"}),
    (
        "POST",
        "/dashboard/{slug}/members/invite",
        {"email": "new@example.org", "role": "agent"},
        {"owner"},
    ),
    ("POST", "/dashboard/{slug}/members/{target}/role", {"role": "owner"}, {"owner"}),
    ("POST", "/dashboard/{slug}/members/{target}/revoke", {}, {"owner"}),
    ("POST", "/dashboard/{slug}/invitations/{invitation}/cancel", {}, {"owner"}),
    ("GET", "/dashboard/{slug}/me", {}, {"agent", "owner"}),
    (
        "POST",
        "/dashboard/{slug}/me",
        {"public_name": "Pat Person", "job_title": "Lead"},
        {"agent", "owner"},
    ),
    ("GET", "/dashboard/{slug}/profile", {}, {"owner"}),
    (
        "POST",
        "/dashboard/{slug}/profile",
        {"name": "Acme Telecom", "description": "Changed"},
        {"owner"},
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("method", "path", "form", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _f, _a in ROUTES]
)
def test_authorization_matrix(client, db, world, actor, method, path, form, allowed):
    url = path.format(
        slug=world.company.slug, target=world.target.id, invitation=world.invitation.id
    )
    if (user := world.users[actor]) is not None:
        login(client, user)
    before = snapshot(db, world)
    if method == "GET":
        response = client.get(url, follow_redirects=False)
    else:
        response = post_form(client, url, form, page="/login")

    if actor in allowed:
        assert response.status_code in (200, 303), response.text
        if method == "POST":
            assert snapshot(db, world) != before, "an allowed change changed nothing"
        return
    if actor == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    else:
        assert response.status_code == 403, response.text
        assert "Only" in response.text  # says who may, rather than a bare error
    assert snapshot(db, world) == before


def test_an_unknown_company_is_not_found(client, db, world):
    login(client, world.users["owner"])
    assert client.get("/dashboard/no-such-company/members").status_code == 404
    assert client.get("/dashboard/no-such-company/profile").status_code == 404


def test_an_owner_cannot_reach_another_companys_member_through_their_own_company(client, db, world):
    """Ids from company B under company A's address: refused as not found, nothing changes."""
    other = companies.get_by_slug(session=db, slug="globex")
    foreign = db.exec(select(CompanyMember).where(CompanyMember.company_id == other.id)).one()
    foreign_invitation, _ = invitations.invite(
        session=db,
        company=other,
        actor=world.users["other_owner"],
        email="someone@example.org",
        role=Role.AGENT,
    )
    login(client, world.users["owner"])
    before = snapshot(db, world)
    slug = world.company.slug
    for path, form in [
        (f"/dashboard/{slug}/members/{foreign.id}/role", {"role": "agent"}),
        (f"/dashboard/{slug}/members/{foreign.id}/revoke", {}),
        (f"/dashboard/{slug}/invitations/{foreign_invitation.id}/cancel", {}),
    ]:
        response = post_form(client, path, form, page=f"/dashboard/{slug}/members")
        assert response.status_code == 404, path
    assert snapshot(db, world) == before


def test_the_members_page_lists_only_this_companys_people(client, db, world):
    login(client, world.users["owner"])
    page = client.get(f"/dashboard/{world.company.slug}/members").text
    assert "Alex Agent" in page and "Tess Target" in page
    assert "Gil Globex" not in page  # another company's owner
    assert "Rex Revoked" not in page  # revoked members are gone from the list
    assert "pending@example.org" in page
