"""Failed logins count per account and client address, so guesses from one address never lock
the owner out elsewhere; and the owner can always sign in with a mailed one-time link."""

import re

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from tests.support.factories import PASSWORD, login, make_user
from tests.support.forms import post_form
from tests.support.mail import queued_mails

ATTACKER = ("198.51.100.7", 50000)
OWNER = ("203.0.113.20", 50000)


@pytest.fixture
def from_address(web_app):
    opened: list[TestClient] = []

    def open_client(address: tuple[str, int]) -> TestClient:
        client = TestClient(web_app, raise_server_exceptions=False, client=address)
        opened.append(client.__enter__())
        return client

    yield open_client
    for client in opened:
        client.__exit__(None, None, None)


def _signed_in(client) -> bool:
    return "Log out (" in client.get("/").text


def test_ten_wrong_passwords_from_one_address_do_not_lock_the_owner_out(db, from_address):
    owner = make_user(db)
    db.commit()
    attacker = from_address(ATTACKER)
    for _ in range(10):
        wrong = post_form(attacker, "/login", {"email": owner.email, "password": "guess!"})
        assert wrong.status_code == 401
    locked = post_form(attacker, "/login", {"email": owner.email, "password": PASSWORD})
    assert locked.status_code == 429 and "retry-after" in locked.headers
    assert "one-time sign-in link" in locked.text

    elsewhere = from_address(OWNER)
    login(elsewhere, owner)  # the owner, at their own address, is let in at once
    assert _signed_in(elsewhere)


def test_the_owner_signs_in_with_a_mailed_one_time_link(client, other_client, db, monkeypatch):
    monkeypatch.setattr(get_settings(), "rate_limits", {"login_pair": "1/hour"})
    owner = make_user(db, verified=False)
    db.commit()
    post_form(client, "/login", {"email": owner.email, "password": "guess!"})
    assert (
        post_form(client, "/login", {"email": owner.email, "password": PASSWORD}).status_code == 429
    )

    asked = post_form(client, "/login/link", {"email": owner.email.upper()})
    assert asked.status_code == 200 and "we have sent it a sign-in link" in asked.text
    (mail,) = queued_mails(db, owner.email)
    link = re.search(r"(/login/link/[A-Za-z0-9_-]+)", mail["text"]).group(1)

    opened = client.get(link)  # a mail scanner fetching the link signs nobody in
    assert opened.status_code == 200 and "Sign me in" in opened.text
    assert not _signed_in(client)
    used = post_form(client, link, {})
    assert used.status_code == 303
    assert _signed_in(client)
    db.refresh(owner)
    assert owner.email_verified_at is not None  # the link proved the address
    assert post_form(other_client, link, {}, page="/login").status_code == 410  # once only
    assert not _signed_in(other_client)


def test_asking_for_a_link_answers_the_same_for_unknown_addresses(client, db):
    owner = make_user(db)
    db.commit()
    known = post_form(client, "/login/link", {"email": owner.email})
    unknown = post_form(client, "/login/link", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    assert len(queued_mails(db, owner.email)) == 1
    assert queued_mails(db, "nobody@example.org") == []


def test_a_guessed_link_signs_nobody_in(client):
    assert client.get("/login/link/not-a-real-token").status_code == 404
    assert post_form(client, "/login/link/not-a-real-token", {}, page="/login").status_code == 404
    assert not _signed_in(client)
