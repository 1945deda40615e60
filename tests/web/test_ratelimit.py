"""Rate limits: the limiter on both storages, the client address, and 429 on every limited form
with Retry-After and what the user typed still there."""

import re
import uuid
from html import unescape

import pytest
import redis
from limits.storage import MemoryStorage, RedisStorage
from sqlmodel import Session, select
from starlette.requests import Request

from app.config import get_settings
from app.integrations import tokens
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.integration import ApiToken
from app.models.membership import Role
from app.models.user import User
from app.web import ratelimit
from tests.support.factories import PASSWORD, login, make_complaint, make_rep, make_user
from tests.support.forms import csrf_from, post_form

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")


@pytest.fixture(params=["memory", "redis"])
def limiter(request):
    """A limiter on each storage; Redis keys carry a prefix of this test's own."""
    if request.param == "redis":
        _redis_or_skip()
        storage = RedisStorage(REDIS_URL, key_prefix=f"outcry-test-{uuid.uuid4().hex}")
    else:
        storage = MemoryStorage()
    made = ratelimit.Limiter(storage=storage)
    ratelimit.use(made)
    yield made
    made.reset()
    ratelimit.use(None)


@pytest.fixture
def tight(monkeypatch):
    """Set some limits low for one test: tight(login_ip="3/minute")."""

    def set_limits(**limits: str) -> None:
        current = dict(get_settings().rate_limits)
        monkeypatch.setattr(get_settings(), "rate_limits", {**current, **limits})

    return set_limits


def test_the_limit_allows_exactly_n_then_refuses_with_a_wait(limiter, tight):
    tight(signup_ip="3/minute")
    for _ in range(3):
        limiter.hit("signup_ip", "203.0.113.9")
    with pytest.raises(ratelimit.RateLimited) as refused:
        limiter.hit("signup_ip", "203.0.113.9")
    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.status_code == 429
    limiter.hit("signup_ip", "203.0.113.10")  # another address has its own allowance
    limiter.hit("login_ip", "203.0.113.9")  # and another limit its own count


def test_check_does_not_count_and_reset_forgets(limiter, tight):
    tight(login_pair="2/minute")
    for _ in range(5):
        limiter.check("login_pair", "a@example.org")
    limiter.hit("login_pair", "a@example.org")
    limiter.hit("login_pair", "a@example.org")
    with pytest.raises(ratelimit.RateLimited):
        limiter.check("login_pair", "a@example.org")
    limiter.reset()
    limiter.check("login_pair", "a@example.org")


def test_redis_counts_are_shared_between_limiters():
    """Several server processes each build a limiter; with Redis they share one count."""
    _redis_or_skip()
    prefix = f"outcry-test-{uuid.uuid4().hex}"
    first = ratelimit.Limiter(storage=RedisStorage(REDIS_URL, key_prefix=prefix))
    second = ratelimit.Limiter(storage=RedisStorage(REDIS_URL, key_prefix=prefix))
    try:
        for _ in range(10):
            first.hit("signup_ip", "198.51.100.1")
        with pytest.raises(ratelimit.RateLimited):
            second.hit("signup_ip", "198.51.100.1")
    finally:
        first.reset()


def test_a_broken_storage_lets_requests_through(tight):
    class Broken(MemoryStorage):
        def acquire_entry(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    limiter = ratelimit.Limiter(storage=Broken())
    tight(signup_ip="1/minute")
    for _ in range(3):
        limiter.hit("signup_ip", "192.0.2.1")


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_the_client_address_is_the_socket_unless_a_trusted_proxy_forwarded_it(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "trusted_proxies", [])
    assert ratelimit.client_ip(_request("10.0.0.5", "203.0.113.7")) == "10.0.0.5"

    monkeypatch.setattr(settings, "trusted_proxies", ["10.0.0.0/8"])
    assert ratelimit.client_ip(_request("10.0.0.5", "203.0.113.7")) == "203.0.113.7"
    # The client may send its own X-Forwarded-For: only the hop our proxy added is believed.
    assert ratelimit.client_ip(_request("10.0.0.5", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert ratelimit.client_ip(_request("10.0.0.5", "203.0.113.7, 10.0.0.9")) == "203.0.113.7"
    # Not from our proxy: the header is anyone's word.
    assert ratelimit.client_ip(_request("198.51.100.3", "203.0.113.7")) == "198.51.100.3"
    assert ratelimit.client_ip(_request("10.0.0.5", "not-an-ip")) == "10.0.0.5"


# Routes --------------------------------------------------------------------------------------


def _value(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


def test_login_per_address_gives_429_with_retry_after_and_keeps_the_email(
    client, db: Session, limiter, tight
):
    tight(login_ip="3/minute")
    user = make_user(db)
    db.commit()
    token = csrf_from(client, "/login")
    for _ in range(3):
        wrong = client.post(
            "/login", data={"email": user.email, "password": "nope", "csrf_token": token}
        )
        assert wrong.status_code == 401
    refused = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "Too many attempts" in refused.text
    assert _value(refused.text, "email") == user.email
    assert "Log out" not in refused.text  # even the right password is refused while limited


def test_failed_logins_per_account_lock_that_account_only(client, db, limiter, tight):
    tight(login_pair="2/minute")
    victim, bystander = make_user(db), make_user(db)
    db.commit()
    for _ in range(2):
        post_form(client, "/login", {"email": victim.email.upper(), "password": "guess"})
    refused = post_form(client, "/login", {"email": victim.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    login(client, bystander)  # another account is unaffected


def test_successful_logins_do_not_use_up_the_account_allowance(client, db, limiter, tight):
    tight(login_pair="2/minute")
    user = make_user(db)
    db.commit()
    for _ in range(4):
        login(client, user)


def test_signup_over_the_limit_keeps_what_was_typed(client, db, limiter, tight):
    tight(signup_ip="1/minute")
    first = post_form(
        client,
        "/signup",
        {"email": "one@example.org", "display_name": "One", "password": "a quiet brown lake"},
    )
    assert first.status_code == 303
    client.cookies.clear()
    second = post_form(
        client,
        "/signup",
        {"email": "two@example.org", "display_name": "Second Person", "password": "another lake"},
    )
    assert second.status_code == 429
    assert "retry-after" in second.headers
    assert _value(second.text, "email") == "two@example.org"
    assert _value(second.text, "display_name") == "Second Person"
    assert _value(second.text, "password") in ("", None)  # never echoed
    assert "Too many attempts" in second.text


def test_filing_over_the_limit_keeps_the_whole_form(client, db, limiter, tight):
    tight(complaint_user="1/hour")
    user = make_user(db)
    db.commit()
    login(client, user)
    form = {
        "company_name": "Northwind Telecom",
        "company_pick": "new",
        "title": "Charged twice for March",
        "category": "billing",
        "body": "My card was charged twice for the March bill and nobody will refund it.",
        "submission_key": "first",
    }
    assert post_form(client, "/complaints/new", form).status_code == 303
    second = {
        **form,
        "title": "Router never arrived",
        "body": "The router I ordered in May never arrived and the tracking number is fake.",
        "desired_outcome": "Send the router",
        "submission_key": "second",
    }
    refused = post_form(client, "/complaints/new", second)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert _value(refused.text, "title") == "Router never arrived"
    assert "The router I ordered in May never arrived" in refused.text
    assert "Send the router" in refused.text
    assert len(db.exec(select(Complaint)).all()) == 1


def test_cosigns_are_limited_per_user(client, db, limiter, tight):
    tight(cosign_user="2/hour")
    complaint = make_complaint(db)
    fan = make_user(db)
    db.commit()
    login(client, fan)
    page = f"/complaints/{complaint.id}"
    assert post_form(client, f"{page}/cosign", {}, page=page).status_code == 303
    assert post_form(client, f"{page}/uncosign", {}, page=page).status_code == 303
    refused = post_form(client, f"{page}/cosign", {}, page=page)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert "Too many attempts" in refused.text


def test_follow_ups_are_limited_and_keep_their_text(client, db, limiter, tight):
    tight(message_user="1/hour")
    author = make_user(db)
    complaint = make_complaint(db, author)
    db.commit()
    login(client, author)
    page = f"/complaints/{complaint.id}"
    assert post_form(client, f"{page}/follow-up", {"body": "Still waiting."}, page=page)
    refused = post_form(client, f"{page}/follow-up", {"body": "Any news at all?"}, page=page)
    assert refused.status_code == 429
    assert "Any news at all?" in refused.text


def test_api_writes_are_limited_per_token_with_a_problem_detail(client, db, limiter, tight):
    tight(api_write_token="2/minute")
    complaint = make_complaint(db, company_name="Contoso Parcels")
    company = db.get(Company, complaint.company_id)
    owner = make_rep(db, company, role=Role.OWNER)
    _, raw = tokens.create(
        session=db, company=company, owner=db.get(User, owner.user_id), name="Zendesk"
    )
    _, other = tokens.create(
        session=db, company=company, owner=db.get(User, owner.user_id), name="Freshdesk"
    )
    db.commit()
    path = f"/api/v1/company/complaints/{complaint.id}/replies"
    for n in range(2):
        sent = client.post(path, json={"body": f"Reply {n}"}, headers=_bearer(raw))
        assert sent.status_code == 201, sent.text
    refused = client.post(path, json={"body": "Reply 3"}, headers=_bearer(raw))
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert client.post(path, json={"body": "Other"}, headers=_bearer(other)).status_code == 201


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_api_token_creation_is_limited(client, db, limiter, tight):
    tight(api_token_user="1/hour")
    complaint = make_complaint(db, company_name="Contoso Parcels")
    company = db.get(Company, complaint.company_id)
    owner = make_rep(db, company, role=Role.OWNER).user_id
    db.commit()
    login(client, db.get(User, owner))
    path = f"/dashboard/{company.slug}/integrations"
    assert post_form(client, f"{path}/tokens", {"token_name": "Zendesk"}, page=path).status_code
    refused = post_form(client, f"{path}/tokens", {"token_name": "Freshdesk"}, page=path)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert _value(refused.text, "token_name") == "Freshdesk"
    assert len(db.exec(select(ApiToken)).all()) == 1


def test_reports_are_limited_and_keep_their_text(client, db, limiter, tight):
    from app.models.moderation import Report

    tight(report_user="1/hour")
    complaint = make_complaint(db)
    db.commit()
    page = f"/reports/new?complaint={complaint.id}"
    data = {"complaint": complaint.id, "reason": "spam", "detail": "An advert.", "email": ""}
    assert post_form(client, "/reports", data, page=page).status_code == 201
    again = {**data, "detail": "Another advert for pills."}
    refused = post_form(client, "/reports", again, page=page)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert "Another advert for pills." in refused.text
    assert len(db.exec(select(Report)).all()) == 1


def test_takedown_notices_are_limited_per_address(client, db, limiter, tight):
    from app.models.takedown import TakedownNotice
    from tests.support.takedown_helpers import NOTICE

    tight(takedown_ip="1/day")
    complaint = make_complaint(db)
    db.commit()
    form = {
        **{k: v for k, v in NOTICE.items() if k not in ("consent_to_poster", "confirm")},
        "inaccuracy": "factually_inaccurate",
        "confirm": "on",
    }
    path = f"/takedown/new?complaint={complaint.id}"
    assert post_form(client, path, form).status_code == 303
    refused = post_form(client, path, {**form, "meaning": "That I am a thief."})
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert "That I am a thief." in refused.text
    assert len(db.exec(select(TakedownNotice)).all()) == 1
