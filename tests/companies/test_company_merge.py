"""Admins merge a duplicate company (a typo) into the real one."""

from sqlmodel import func, select

from app.companies import service as companies
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.membership import Claim, CompanyMember
from app.stats.aggregates import refresh_dirty
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form


def _world(db):
    real = companies.create(session=db, name="Tidewater Cable", domain="tidewater.example")
    typo = companies.create(session=db, name="Tidewatter Cabel")
    author = make_user(db)
    make_complaint(db, author, company_name="Tidewater Cable", title="No signal for days")
    for n in range(2):
        make_complaint(db, author, company_name="Tidewatter Cabel", title=f"Outage number {n}")
    rep = make_rep(db, typo)
    admin = make_user(db, is_admin=True)
    db.commit()
    return real, typo, rep, admin


def test_an_admin_merges_a_duplicate_and_its_address_redirects(client, db):
    real, typo, rep, admin = _world(db)
    typo_id, typo_slug = typo.id, typo.slug
    login(client, admin)

    done = post_form(
        client,
        "/admin/companies/merge",
        {"source": typo_slug, "target": real.slug},
        page="/admin/companies",
    )

    assert done.status_code == 303
    db.expire_all()
    assert db.get(Company, typo_id) is None
    counts = db.exec(
        select(func.count()).select_from(Complaint).where(Complaint.company_id == real.id)
    ).one()
    assert counts == 3
    assert db.exec(select(Claim).where(Claim.company_id == real.id)).first() is not None
    assert (
        db.exec(select(CompanyMember).where(CompanyMember.user_id == rep.user_id)).one().company_id
        == real.id
    )
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "company.merge")).one()
    assert entry.actor_id == admin.id and "Tidewatter Cabel" in entry.detail

    old = client.get(f"/companies/{typo_slug}?state=open", follow_redirects=False)
    assert old.status_code == 301
    assert old.headers["location"] == f"/companies/{real.slug}?state=open"
    feed = client.get(f"/companies/{typo_slug}/feed.atom", follow_redirects=False)
    assert feed.status_code == 301
    assert feed.headers["location"] == f"/companies/{real.slug}/feed.atom"

    # Statistics follow: the real company now counts all three.
    refresh_dirty(session=db)
    db.commit()
    page = client.get(f"/companies/{real.slug}").text
    assert "<strong>3</strong> complaints" in page
    assert "Tidewatter Cabel" not in client.get("/companies").text


def test_merging_needs_two_existing_different_companies(client, db):
    real, _typo, _rep, admin = _world(db)
    login(client, admin)

    itself = post_form(
        client,
        "/admin/companies/merge",
        {"source": real.slug, "target": real.slug},
        page="/admin/companies",
    )
    unknown = post_form(
        client,
        "/admin/companies/merge",
        {"source": "nope", "target": real.slug},
        page="/admin/companies",
    )

    assert itself.status_code == 409 and "cannot be merged into itself" in itself.text
    assert unknown.status_code == 422 and "no company at /companies/nope" in unknown.text
    assert db.exec(select(func.count()).select_from(Company)).one() == 2


def test_only_admins_merge(client, db):
    real, typo, _rep, _admin = _world(db)
    login(client, make_user(db))
    refused = post_form(
        client, "/admin/companies/merge", {"source": typo.slug, "target": real.slug}, page="/"
    )
    assert refused.status_code == 403
    assert db.get(Company, typo.id) is not None
