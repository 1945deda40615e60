"""Industries: a sector per company, set by an admin or the company's staff (audited), filters on
the leaderboard and search, and the industry median beside a company's numbers."""

import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.companies import industries
from app.companies import service as companies
from app.config import get_settings
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.user import User
from app.search import params
from app.search import service as searching
from app.search.service import Filters
from app.stats import leaderboard, peers
from app.stats.jobs import REFRESH
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.periodic import run_periodic
from tests.support.stats import company_stats, neglect_records, row_names


@pytest.fixture(autouse=True)
def small_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "min_ranked_complaints", 3)


def _sector(db: Session, name: str, sector: str) -> Company:
    company = db.exec(select(Company).where(Company.name == name)).one()
    company.sector = sector
    db.add(company)
    db.commit()
    return company


def test_a_new_company_is_unclassified_and_an_admin_can_set_its_industry(db: Session) -> None:
    company = companies.create(session=db, name="Acme Telecom")
    assert company.sector == "other"
    admin = make_user(db, is_admin=True)
    assert industries.set_sector(session=db, company=company, sector="telecoms", actor=admin)
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "company.sector")).one()
    assert (entry.actor_id, entry.target_id, entry.detail) == (
        admin.id,
        company.id,
        "other -> telecoms",
    )
    with pytest.raises(industries.DomainError):
        industries.set_sector(session=db, company=company, sector="spaceflight", actor=admin)


def test_only_admins_and_the_company_staff_may_change_it(db: Session, client) -> None:
    company = companies.create(session=db, name="Acme Energy")
    rep = db.get(User, make_rep(db, company).user_id)
    stranger = make_user(db)
    with pytest.raises(industries.Forbidden):
        industries.set_sector(session=db, company=company, sector="energy", actor=stranger)
    db.commit()
    login(client, rep)
    page = client.get(f"/companies/{company.slug}")
    assert "Save industry" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post(
        f"/companies/{company.slug}/sector",
        data={"sector": "energy", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    db.expire_all()
    assert db.get(Company, company.id).sector == "energy"


def test_leaderboard_and_search_filter_by_industry(db: Session, client) -> None:
    company_stats(db, "Tele One", neglect_records(on_time=5))
    company_stats(db, "Bank One", neglect_records(on_time=4))
    _sector(db, "Tele One", "telecoms")
    _sector(db, "Bank One", "banking")
    page = client.get("/leaderboards", params={"window": "90d", "industry": "telecoms"})
    assert row_names(page.text) == ["Tele One"]
    assert client.get("/leaderboards", params={"industry": "nope"}).status_code == 400
    tele = make_complaint(db, title="No signal", company_name="Tele One")
    make_complaint(db, title="No signal either", company_name="Bank One")
    read = params.read(session=db, industry="telecoms")
    rows, _ = searching.search(session=db, filters=read.filters)
    assert [c.id for c, _, _ in rows] == [tele.id]
    assert params.read(session=db, industry="nope").errors == {
        "industry": "Please choose one of the options."
    }
    assert Filters().industry is None


def test_industry_median_beside_the_company_numbers(db: Session, client) -> None:
    # Answered on time, by hand: 3/4, 2/4, 1/4 -> median 50.0%; a fourth company elsewhere.
    for name, on_time in [("Tele A", 3), ("Tele B", 2), ("Tele C", 1)]:
        company_stats(db, name, neglect_records(on_time=on_time, late=4 - on_time))
        _sector(db, name, "telecoms")
    company_stats(db, "Bank Z", neglect_records(on_time=4))
    _sector(db, "Bank Z", "banking")
    medians = leaderboard.industry_medians(session=db, industry="telecoms")
    assert medians["companies"] == 3
    assert medians["timely_rate"] == 0.5
    assert leaderboard.industry_medians(session=db, industry="banking") == {}  # one is not three
    page = client.get("/companies/tele-a").text
    assert "Industry: Telecoms and internet" in page
    assert "<td>75.0%</td><td>50.0%</td>" in page
    assert "Save industry" not in page  # a visitor cannot change it


def _store_industries(db: Session) -> list[tuple[str, str, str]]:
    """What the statistics refresh does after recomputing companies: the rows that moved."""
    computed = peers.compute(session=db)
    keys, gone = peers.changes(session=db, computed=computed)
    peers.store(session=db, computed=computed, keys=keys, gone=gone, now=utcnow())
    db.commit()
    return keys


def test_the_refresh_stores_each_industry_and_a_move_renews_only_those_it_changes(
    db: Session, client
) -> None:
    for name, on_time in [("Tele A", 3), ("Tele B", 2), ("Tele C", 1)]:
        company_stats(db, name, neglect_records(on_time=on_time, late=4 - on_time))
        _sector(db, name, "telecoms")
    company_stats(db, "Bank Z", neglect_records(on_time=4))
    _sector(db, "Bank Z", "banking")
    _store_industries(db)
    stored = peers.stored(session=db, scope="telecoms", period="all", category="")
    assert (stored.listed, stored.ranked, stored.timely_rate) == (3, 3, 0.5)
    everyone = peers.stored(session=db, scope="", period="all", category="")
    assert (everyone.listed, everyone.ranked, everyone.filed) == (4, 4, 16)
    assert "About 16 in all" in client.get("/").text
    assert peers.stored(session=db, scope="energy", period="all", category="").listed == 0
    assert "<td>75.0%</td><td>50.0%</td>" in client.get("/companies/tele-a").text

    admin = make_user(db, is_admin=True)
    bank = db.exec(select(Company).where(Company.name == "Bank Z")).one()
    industries.set_sector(session=db, company=bank, sector="telecoms", actor=admin)
    db.commit()
    moved = _store_industries(db)
    assert {scope for scope, _, _ in moved} == {"telecoms", "banking"}  # the site's is the same
    # Tele A's page changed only through its industry's row: 3/4, 2/4, 1/4, 4/4 -> 62.5%.
    page = client.get("/companies/tele-a").text
    assert "median of the 4 ranked companies in this industry" in page
    assert "<td>75.0%</td><td>62.5%</td>" in page
    board = client.get("/leaderboards", params={"window": "all", "industry": "telecoms"}).text
    assert len(row_names(board)) == 4
    assert leaderboard.ranked_counts(session=db, category="", industry="banking") == {
        "90d": 0,
        "12m": 0,
        "all": 0,
    }


def test_the_worker_stores_the_industries_with_the_aggregates(live_engine) -> None:
    with Session(live_engine, expire_on_commit=False) as session:
        make_complaint(session, company_name="Sweep Co")
        session.commit()
    run_periodic(live_engine, REFRESH)
    with Session(live_engine) as session:
        assert peers.stored(session=session, scope="", period="all", category="").listed == 1
        assert peers.stored(session=session, scope="other", period="90d", category="").listed == 1
