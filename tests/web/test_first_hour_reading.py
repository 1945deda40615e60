"""What a new user tripped over while reading: wording, navigation, the footer's pages, HEAD."""

import re
from html import unescape
from pathlib import Path

import pytest

from app import demo
from app.companies import service as companies
from app.config import get_settings
from tests.support.factories import login, make_complaint, make_rep, make_user

ROOT = Path(__file__).resolve().parents[2]


def _nav(html: str) -> str:
    return re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# Navigation ----------------------------------------------------------------------------------


def test_a_consumer_sees_no_dashboard_and_a_rep_does(client, other_client, db):
    consumer = make_user(db)
    rep = make_user(db)
    make_rep(db, companies.create(session=db, name="Acme", domain="acme.example"), user=rep)
    login(client, consumer)
    login(other_client, rep)

    assert 'href="/dashboard"' not in _nav(client.get("/").text)
    assert 'href="/dashboard"' in _nav(other_client.get("/").text)


def test_a_missing_page_knows_who_is_signed_in(client, db):
    login(client, make_user(db, name="Maria K."))

    response = client.get("/no/such/page")

    assert response.status_code == 404
    nav = _nav(response.text)
    assert "Log out (Maria K.)" in nav
    assert 'href="/login"' not in nav


# Wording -------------------------------------------------------------------------------------


def test_one_complaint_is_not_one_complaints(client, db):
    complaint = make_complaint(db, company_name="Solo Ltd")
    db.commit()
    slug = companies.get(session=db, company_id=complaint.company_id).slug

    text = _text(client.get(f"/companies/{slug}").text)

    assert "1 complaint " in text + " "
    assert "1 complaints" not in text
    assert "1 complaints" not in _text(client.get("/").text)


def test_categories_read_as_the_form_names_them(client, db):
    complaint = make_complaint(db, category="service_outage")
    db.commit()

    ticket = _text(client.get(f"/complaints/{complaint.id}").text)
    leaderboard = client.get("/leaderboards").text

    assert "Category Service outage" in ticket
    assert "service outage" not in ticket.replace("Service outage", "")
    assert '<option value="service_outage">Service outage</option>' in leaderboard


def test_the_company_page_says_days_one_way(client, db):
    from datetime import timedelta

    from app.clock import utcnow
    from app.complaints import company as company_side
    from app.models.company import Company
    from app.models.user import User

    company = companies.create(session=db, name="Acme", domain="acme.example")
    company.target_response_days = 2
    rep = make_rep(db, company)
    author = make_user(db)
    start = utcnow() - timedelta(days=40)
    for n in range(3):
        c = make_complaint(db, author, company_name="Acme", now=start, title=f"Problem {n} here")
        company_side.reply(
            session=db,
            complaint=c,
            user=db.get(User, rep.user_id),
            body="We are looking into it.",
            now=start + timedelta(days=4, hours=18),
        )
    db.flush()
    assert db.get(Company, company.id)

    text = _text(client.get(f"/companies/{company.slug}").text)

    assert re.search(r"\d d\b", text) is None, "a bare 'd' for days"
    assert "4.8 days median first response" in text


# Footer pages, favicon, HEAD -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/about", "/privacy", "/terms", "/contact"])
def test_the_footer_links_pages_every_such_site_needs(client, path):
    home = client.get("/").text
    footer = re.search(r'<footer class="site">(.*?)</footer>', home, re.S).group(1)
    assert f'href="{path}"' in footer

    response = client.get(path)

    assert response.status_code == 200
    assert len(_text(response.text)) > 300


def test_the_operator_replaces_a_page_with_their_own_text(client, tmp_path, monkeypatch):
    (tmp_path / "terms.md").write_text("# Our terms\n\nBe **kind**. <script>x()</script>")
    monkeypatch.setattr(get_settings(), "site_pages_dir", str(tmp_path))
    monkeypatch.setattr(get_settings(), "contact_email", "hello@outcry.example")

    terms = client.get("/terms").text
    contact = client.get("/contact").text

    assert "<strong>kind</strong>" in terms
    assert "<script>x()" not in terms
    assert "Moderators may hide" not in terms  # the default text is replaced
    assert 'href="mailto:hello@outcry.example"' in contact


def test_there_is_a_favicon(client):
    home = client.get("/").text
    link = re.search(r'<link rel="icon" href="([^"]+)"', home)
    assert link
    icon = client.get(link.group(1))
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/favicon.ico", follow_redirects=True).status_code == 200


@pytest.mark.parametrize("path", ["/", "/companies", "/about", "/leaderboards", "/search"])
def test_head_answers_like_get_without_a_body(client, path):
    get = client.get(path)
    head = client.head(path)

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_of_a_complaint_page(client, db):
    complaint = make_complaint(db)
    db.commit()
    head = client.head(f"/complaints/{complaint.id}")
    assert head.status_code == 200
    assert head.content == b""


# Buttons and wrapping ------------------------------------------------------------------------


def test_publish_and_preview_buttons_differ(client, db):
    login(client, make_user(db))
    form = client.get("/complaints/new").text

    publish = re.search(r"<button[^>]*>Publish complaint</button>", form).group(0)
    preview = re.search(r"<button[^>]*>Preview what will be published</button>", form).group(0)
    assert 'class="primary"' in publish
    assert 'class="secondary"' in preview
    css = (ROOT / "static" / "app.css").read_text()
    assert "button.secondary" in css


# Demo data -----------------------------------------------------------------------------------

REAL_BRANDS = {"comcast", "verizon", "at&t", "xfinity", "amazon", "spectrum", "vodafone", "bt"}


def test_demo_companies_are_all_fictional():
    for name, domain, _description in demo.COMPANIES:
        assert name.lower() not in REAL_BRANDS, name
        assert domain.endswith(".example"), domain


def test_the_companies_list_shows_counts_claims_and_finds_by_name(client, db):
    claimed = companies.create(session=db, name="Tidewater Cable", domain="tidewater.example")
    make_rep(db, claimed)
    author = make_user(db)
    for n in range(2):
        make_complaint(db, author, company_name="Tidewater Cable", title=f"No signal {n} days")
    make_complaint(db, author, company_name="Harbor Insurance")
    db.commit()

    page = client.get("/companies").text
    hidden = re.compile(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', re.S)  # the initials
    rows = {
        _text(hidden.sub("", name)): [_text(cell) for cell in cells]
        for name, cells in (
            (m.group(1), re.findall(r"<td>(.*?)</td>", m.group(2), re.S))
            for m in re.finditer(r'<th scope="row">(.*?)</th>(.*?)</tr>', page, re.S)
        )
    }
    assert rows["Tidewater Cable tidewater.example"] == ["2", "2", "Claimed"]
    assert rows["Harbor Insurance"] == ["1", "1", "Unclaimed"]

    found = _text(client.get("/companies?q=tide").text)
    assert "Tidewater Cable" in found and "Harbor Insurance" not in found
    assert "1 company matching" in found
