"""A company is listed (on the companies list, in suggestions, search and at its address) once
nobody's filing created it or a complaint against it has reached it; the stored flag follows in
the same transaction as the change that decides it, and the migration backfills it."""

from alembic import command
from sqlalchemy import create_engine, text
from sqlmodel import select

from app.companies import listed as listing
from app.companies import merge as merging
from app.companies import service as companies
from app.complaints import gate
from app.complaints.visibility import HELD_REASON, VERIFY_REASON
from app.models.company import Company
from app.models.complaint import Visibility
from app.moderation import service as moderation
from app.schema import alembic_config
from tests.support.factories import make_complaint, make_user


def _stored(db, company_id: int) -> bool:
    """The flag as committed, read past the session's copy."""
    db.expire_all()
    return db.exec(select(Company.listed).where(Company.id == company_id)).one()


def _visible(client, company: Company) -> bool:
    page = client.get(f"/companies/{company.slug}").status_code == 200
    word = company.name.split()[0]
    shown = [
        company.name in client.get(f"/companies?q={word}").text,
        any(s["name"] == company.name for s in client.get(f"/companies/suggest?q={word}").json()),
        company.name in client.get(f"/search?q={word}").text,
    ]
    assert shown == [page] * 3, shown  # every surface agrees with the page
    return page


def _waiting(db, name: str = "Globex Drains"):
    author = make_user(db, verified=False)
    complaint = make_complaint(db, author, company_name=name, company_domain=None)
    assert gate.is_waiting(complaint)
    db.commit()
    return author, complaint, db.get(Company, complaint.company_id)


def test_a_company_added_by_no_filing_is_listed_without_complaints(client, db):
    company = companies.create(session=db, name="Initech Payroll")
    db.commit()
    assert _stored(db, company.id)
    assert _visible(client, company)


def test_a_published_filing_lists_the_company_it_names(client, db):
    complaint = make_complaint(db, make_user(db), company_name="Vandelay Imports")
    db.commit()
    company = db.get(Company, complaint.company_id)
    assert company.created_by_id is not None
    assert _stored(db, company.id)
    assert _visible(client, company)


def test_a_waiting_complaint_leaves_it_unlisted_until_its_author_verifies(client, db):
    author, complaint, company = _waiting(db)
    assert not _stored(db, company.id)
    assert not _visible(client, company)

    author = db.get(type(author), author.id)
    author.email_verified_at = complaint.created_at
    db.add(author)
    assert gate.publish_verified(session=db, user=author)
    db.commit()
    assert _stored(db, company.id)
    assert _visible(client, company)


def test_a_moderator_releasing_a_held_complaint_lists_its_company(client, db):
    author = make_user(db)
    complaint = make_complaint(db, author, company_name="Hooli Storage")
    company_id = complaint.company_id
    complaint.visibility, complaint.visibility_reason = Visibility.PENDING, HELD_REASON
    db.add(complaint)
    db.commit()
    assert not _stored(db, company_id)  # back to waiting: nothing published stands behind it

    moderator = make_user(db)
    moderator.is_moderator = True
    moderation.set_visibility(
        session=db,
        complaint=db.get(type(complaint), complaint.id),
        visibility=Visibility.PUBLIC,
        reason="",
        actor=moderator,
    )
    db.commit()
    assert _stored(db, company_id)
    assert _visible(client, db.get(Company, company_id))


def test_hiding_a_published_complaint_keeps_its_company_listed(client, db):
    complaint = make_complaint(db, make_user(db), company_name="Soylent Foods")
    moderator = make_user(db)
    moderator.is_moderator = True
    moderation.set_visibility(
        session=db,
        complaint=complaint,
        visibility=Visibility.HIDDEN,
        reason="Personal attack",
        actor=moderator,
    )
    db.commit()
    assert _stored(db, complaint.company_id)


def test_moving_its_only_published_complaint_away_unlists_it_and_lists_the_other(client, db):
    _author, _waits, quiet = _waiting(db, "Umbrella Pharma")
    complaint = make_complaint(db, make_user(db), company_name="Umbrela Pharma")
    loud_id = complaint.company_id
    complaint.company_id = quiet.id  # a fix of the company a complaint names
    db.add(complaint)
    db.commit()
    assert _stored(db, quiet.id)
    assert not _stored(db, loud_id)
    assert not _visible(client, db.get(Company, loud_id))


def test_merging_a_listed_duplicate_into_an_unlisted_company_lists_it(client, db):
    _author, _complaint, target = _waiting(db, "Cyberdyne Robotics")
    source = make_complaint(db, make_user(db), company_name="Cyberdine Robotics").company_id
    admin = make_user(db, is_admin=True)
    db.commit()
    merging.merge(
        session=db, source=db.get(Company, source), target=db.get(Company, target.id), actor=admin
    )
    db.commit()
    assert _stored(db, target.id)
    assert _visible(client, db.get(Company, target.id))


def test_settle_recomputes_every_company(db):
    _author, _complaint, waiting = _waiting(db, "Wonka Sweets")
    public = make_complaint(db, make_user(db), company_name="Gringotts Bank").company_id
    db.commit()
    db.execute(text("UPDATE company SET listed = NOT listed"))  # as a bulk load might leave it
    listing.settle(session=db)
    db.commit()
    assert not _stored(db, waiting.id)
    assert _stored(db, public)


def test_the_migration_backfills_the_flag(empty_database_url):
    config = alembic_config(empty_database_url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "i20_team_routing")
    engine = create_engine(empty_database_url)
    rows = {  # company: (created by a filing, its complaints' visibility and reason)
        1: (False, []),
        2: (True, [("public", "")]),
        3: (True, [("pending", VERIFY_REASON), ("pending", HELD_REASON)]),
        4: (True, [("pending", VERIFY_REASON), ("hidden", "Personal attack")]),
        5: (True, []),
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO "user" (id, email, password_hash, display_name, is_admin, '
                "notify_complaint_updates, notify_assignments, created_at) VALUES "
                "(1, 'a@example.org', 'x', 'A', false, false, false, '2026-01-01')"
            )
        )
        n = 0
        for company_id, (filed, complaints) in rows.items():
            conn.execute(
                text(
                    "INSERT INTO company (id, name, slug, description, created_at, "
                    "created_by_id) VALUES (:id, :name, :slug, '', '2026-01-01', :by)"
                ),
                {
                    "id": company_id,
                    "name": f"C{company_id}",
                    "slug": f"c{company_id}",
                    "by": 1 if filed else None,
                },
            )
            for visibility, reason in complaints:
                n += 1
                conn.execute(
                    text(
                        "INSERT INTO complaint (id, company_id, author_id, state, "
                        "submission_key, visibility, visibility_reason, title, body, category, "
                        "desired_outcome, broadcast_opt_in, cosign_count, handoff_count, "
                        "awaiting_consumer, created_at, updated_at) VALUES (:n, :c, 1, 'open', "
                        ":k, :v, :r, 't', 'b', 'billing', '', false, 0, 0, false, '2026-01-01', "
                        "'2026-01-01')"
                    ),
                    {"n": n, "c": company_id, "k": f"k{n}", "v": visibility, "r": reason},
                )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, listed FROM company")).all())
    engine.dispose()
    assert {k: bool(v) for k, v in found.items()} == {1: True, 2: True, 3: False, 4: True, 5: False}
