"""The company profile: owners edit it, formats and the Bluesky handle are checked, and the public
page shows the company's promise beside its actual (simple median) performance."""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import select

from app.clock import utcnow
from app.companies import profile as profiles
from app.companies import service as companies
from app.complaints import service as complaint_service
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.complaint import ResolutionType
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep
from tests.support.forms import post_form

DIDS = {"acme.bsky.social": "did:plc:acme1234", "acme.com": "did:web:acme.com"}


class DictResolver:
    """Bluesky handles that exist, with no network; remembers what it was asked."""

    def __init__(self, dids: dict[str, str]) -> None:
        self.dids = dids
        self.asked: list[str] = []

    def __call__(self, handle: str) -> str | None:
        self.asked.append(handle)
        return self.dids.get(handle)


@pytest.fixture
def resolver(web_app) -> DictResolver:
    fake = DictResolver(dict(DIDS))
    web_app.dependency_overrides[profiles.handle_resolver] = lambda: fake
    return fake


@pytest.fixture
def company(db) -> Company:
    return companies.create(session=db, name="Acme Telecom", domain="acme-telecom.example")


@pytest.fixture
def owner(db, company) -> User:
    return db.get(User, make_rep(db, company, role=Role.OWNER).user_id)


GOOD = {
    "name": "Acme Telecom",
    "description": "Broadband and mobile for the north-east.",
    "contact_email": "help@acme-telecom.example",
    "bluesky_handle": "@acme.bsky.social",
    "mastodon_account": "@AcmeHelp@Mastodon.Social",
    "x_handle": "@acme_help",
    "target_response_days": "2",
    "target_resolution_days": "10",
}


def save(client, company: Company, **changes: str):
    return post_form(client, f"/dashboard/{company.slug}/profile", {**GOOD, **changes})


def field_error(html: str, name: str) -> str | None:
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        if f'name="{name}"' in block:
            message = re.search(r'<p class="error"[^>]*>(.*?)</p>', block, re.S)
            return unescape(message.group(1)).strip() if message else ""
    return None


def input_value(html: str, name: str) -> str:
    tag = re.search(rf'<(?:input|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, f"no field named {name}"
    if tag.group(0).startswith("<textarea"):
        return unescape(html[tag.end() : html.index("</textarea>", tag.end())])
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else ""


def profile_of(db, company: Company) -> dict:
    db.refresh(company)
    return {f: getattr(company, f) for f in (*profiles.FIELDS, "bluesky_did")}


def test_owner_opts_in_to_mentions_and_out_again(client, db, company, owner, resolver):
    login(client, owner)
    assert save(client, company, broadcast_mentions="on").status_code == 303
    assert profile_of(db, company)["broadcast_mentions"] is True
    page = client.get(f"/dashboard/{company.slug}/profile").text
    assert re.search(r'name="broadcast_mentions"[^>]*checked', page)
    assert save(client, company).status_code == 303  # an unticked box is not sent
    assert profile_of(db, company)["broadcast_mentions"] is False


def test_owner_saves_the_profile(client, db, company, owner, resolver):
    login(client, owner)
    response = save(client, company)
    assert response.status_code == 303
    assert profile_of(db, company) == {
        "name": "Acme Telecom",
        "description": "Broadband and mobile for the north-east.",
        "contact_email": "help@acme-telecom.example",
        "bluesky_handle": "acme.bsky.social",
        "bluesky_did": "did:plc:acme1234",
        "mastodon_account": "AcmeHelp@mastodon.social",
        "x_handle": "acme_help",
        "target_response_days": 2,
        "target_resolution_days": 10,
        "broadcast_mentions": False,  # not ticked: posts name the company in plain text
    }
    assert resolver.asked == ["acme.bsky.social"]
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "company.profile")).one()
    assert (entry.actor_id, entry.target_id) == (owner.id, company.id)
    assert "bluesky_handle='acme.bsky.social'" in entry.detail

    form = client.get(response.headers["location"]).text
    assert "Profile saved" in form
    assert input_value(form, "bluesky_handle") == "acme.bsky.social"
    assert input_value(form, "target_resolution_days") == "10"


def test_an_unchanged_handle_is_not_looked_up_again_and_clearing_it_clears_the_did(
    client, db, company, owner, resolver
):
    login(client, owner)
    save(client, company)
    resolver.dids.clear()  # the handle no longer resolves: it is not asked again
    assert save(client, company, description="New text").status_code == 303
    assert resolver.asked == ["acme.bsky.social"]
    assert profile_of(db, company)["bluesky_did"] == "did:plc:acme1234"

    assert save(client, company, bluesky_handle="").status_code == 303
    saved = profile_of(db, company)
    assert (saved["bluesky_handle"], saved["bluesky_did"]) == (None, None)


def test_an_unresolvable_bluesky_handle_is_refused_and_nothing_is_saved(
    client, db, company, owner, resolver
):
    login(client, owner)
    before = profile_of(db, company)
    response = save(client, company, bluesky_handle="ghost.bsky.social", description="Changed")
    assert response.status_code == 422
    assert field_error(response.text, "bluesky_handle") == (
        "We could not find a Bluesky account at @ghost.bsky.social. Check the spelling; the "
        "handle must be live on Bluesky when you save."
    )
    assert input_value(response.text, "bluesky_handle") == "ghost.bsky.social"
    assert input_value(response.text, "description") == "Changed"
    assert "Nothing was saved" in response.text
    assert profile_of(db, company) == before
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "company.profile")).all() == []


def test_a_resolver_answer_that_is_not_a_did_is_refused(client, db, company, owner, resolver):
    resolver.dids["weird.example"] = "<script>"
    login(client, owner)
    response = save(client, company, bluesky_handle="weird.example")
    assert response.status_code == 422
    assert "could not find a Bluesky account" in field_error(response.text, "bluesky_handle")
    assert profile_of(db, company)["bluesky_did"] is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bluesky_handle", "acme", "looks like a domain name"),
        ("bluesky_handle", "acme bsky.social", "looks like a domain name"),
        ("bluesky_handle", "acme.123", "looks like a domain name"),
        ("mastodon_account", "acme", "user@instance"),
        ("mastodon_account", "acme@", "user@instance"),
        ("mastodon_account", "acme@localhost", "user@instance"),
        ("mastodon_account", "ac me@mastodon.social", "user@instance"),
        ("mastodon_account", "https://mastodon.social/@acme", "user@instance"),
        ("x_handle", "this_is_sixteen_", "1 to 15 letters"),
        ("x_handle", "acme-help", "1 to 15 letters"),
        ("x_handle", "@", "1 to 15 letters"),
        ("contact_email", "help-at-acme", "does not look like an email address"),
        ("name", "A", "2 to 120 characters"),
        ("target_response_days", "two", "whole number of days from 0 to 365"),
        ("target_response_days", "-1", "whole number of days from 0 to 365"),
        ("target_resolution_days", "366", "whole number of days from 0 to 365"),
        ("target_resolution_days", "1", "cannot be shorter than the answer target"),
    ],
)
def test_bad_formats_are_refused_next_to_the_field_with_values_kept(
    client, db, company, owner, resolver, field, value, message
):
    login(client, owner)
    before = profile_of(db, company)
    response = save(client, company, **{field: value})
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert input_value(response.text, field) == value
    assert input_value(response.text, "description") == GOOD["description"]
    assert profile_of(db, company) == before
    assert resolver.asked == []  # format errors never reach the network


@pytest.mark.parametrize("value", ["acme_help", "A", "x" * 15, "@Acme_Help_2024"])
def test_good_x_handles_are_accepted(client, db, company, owner, resolver, value):
    login(client, owner)
    assert save(client, company, x_handle=value).status_code == 303
    assert profile_of(db, company)["x_handle"] == value.removeprefix("@")


def test_a_name_belonging_to_another_company_is_refused(client, db, company, owner, resolver):
    companies.create(session=db, name="Globex Corporation")
    login(client, owner)
    response = save(client, company, name="GLOBEX corporation")
    assert response.status_code == 422
    assert "Another company" in field_error(response.text, "name")
    assert profile_of(db, company)["name"] == "Acme Telecom"


def test_blank_optional_fields_are_stored_as_nothing(client, db, company, owner, resolver):
    login(client, owner)
    blanks = dict.fromkeys(
        (
            "contact_email",
            "bluesky_handle",
            "mastodon_account",
            "x_handle",
            "target_response_days",
            "target_resolution_days",
        ),
        " ",
    )
    assert save(client, company, **blanks).status_code == 303
    saved = profile_of(db, company)
    assert all(saved[f] is None for f in blanks)


def test_profile_changes_without_a_csrf_token_change_nothing(client, db, company, owner, resolver):
    login(client, owner)
    before = profile_of(db, company)
    response = client.post(f"/dashboard/{company.slug}/profile", data=GOOD)
    assert response.status_code == 403
    assert profile_of(db, company) == before


# The default resolver: no network in tests, so its safety logic is checked with stand-ins.


def test_default_resolver_returns_the_dns_answer(monkeypatch):
    from atproto_identity.handle.resolver import HandleResolver

    monkeypatch.setattr(HandleResolver, "resolve_dns", lambda self, h: "did:plc:fromdns")
    monkeypatch.setattr(HandleResolver, "resolve_http", lambda self, h: pytest.fail("no HTTP"))
    assert profiles.resolve_with_atproto("acme.bsky.social") == "did:plc:fromdns"


def test_default_resolver_never_fetches_from_a_private_address(monkeypatch):
    from atproto_identity.handle.resolver import HandleResolver

    import app.net

    def private(host: str, port: int, **_policy) -> str:  # the configured PDS is refused too
        raise app.net.UnsafeAddress(f"{host} resolves to 10.0.0.5")

    monkeypatch.setattr(HandleResolver, "resolve_dns", lambda self, h: None)
    monkeypatch.setattr(HandleResolver, "resolve_http", lambda self, h: pytest.fail("fetched"))
    monkeypatch.setattr(profiles, "resolve_checked", private)  # the name profile calls
    assert profiles.resolve_with_atproto("intranet.example") is None


# The public company page ---------------------------------------------------------------------


def test_public_page_shows_targets_beside_hand_computed_medians(client, db, company):
    company.target_response_days, company.target_resolution_days = 2, 10
    db.add(company)
    rep = db.get(User, make_rep(db, company).user_id)
    start = utcnow() - timedelta(days=60)
    # First responses after 1, 3, 4 and 6 days, one never answered (censored at 60 days):
    # Kaplan-Meier 4/5, then 3/5, then 2/5 at day 4: median 4 days (a naive median said 3.5).
    # Resolutions after 5, 12 and 20 days, two censored at 60: 4/5, 3/5, 2/5 at day 20.
    plan = [(1, 5), (3, 12), (4, None), (6, 20), (None, None)]
    for answer_after, resolve_after in plan:
        complaint = make_complaint(db, company_name=company.name, now=start)
        if answer_after is not None:
            complaint_service.answer(
                session=db,
                complaint=complaint,
                rep=rep,
                body="We are looking into it.",
                now=start + timedelta(days=answer_after),
            )
        if resolve_after is not None:
            complaint_service.resolve(
                session=db,
                complaint=complaint,
                rep=rep,
                resolution_type=ResolutionType.EXPLANATION,
                now=start + timedelta(days=resolve_after),
            )
    db.flush()

    page = unescape(client.get(f"/companies/{company.slug}").text)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Promises to answer within 2 days — actually answers in a median 4 days" in text
    assert "Promises to resolve within 10 days — actually resolves in a median 20 days" in text
    assert "Kaplan-Meier medians over all 5 complaints (4 answered, 3 resolved)" in text


def test_public_page_without_a_promise_or_answers_says_so(client, db, company):
    company.target_response_days = 1
    db.add(company)
    make_complaint(db, company_name=company.name)
    text = " ".join(
        re.sub(r"<[^>]+>", " ", unescape(client.get(f"/companies/{company.slug}").text)).split()
    )
    assert "Promises to answer within 1 day — no answered complaints yet" in text
    assert "No promise on resolution time — no resolved complaints yet" in text


def test_public_page_shows_contact_and_social_links(client, db, company):
    company.contact_email = "help@acme-telecom.example"
    company.bluesky_handle, company.bluesky_did = "acme.bsky.social", "did:plc:acme1234"
    company.mastodon_account, company.x_handle = "AcmeHelp@mastodon.social", "acme_help"
    company.description = "<script>alert(1)</script> Broadband"
    db.add(company)
    page = client.get(f"/companies/{company.slug}").text
    assert '<a href="mailto:help@acme-telecom.example">' in page
    for href in (
        "https://bsky.app/profile/acme.bsky.social",
        "https://mastodon.social/@AcmeHelp",
        "https://x.com/acme_help",
    ):
        assert f'<a href="{href}" rel="nofollow ugc noopener">' in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_an_unclaimed_company_page_shows_no_profile_section(client, db, company):
    page = client.get(f"/companies/{company.slug}").text
    assert "Promise and performance" not in page
    assert "profile-links" not in page
