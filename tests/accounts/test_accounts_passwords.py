"""Passwords: common ones refused, forgot/reset without account enumeration, and changing email or
password only after re-entering the current password, which ends every other login."""

import re

import pytest
from sqlmodel import select

from app.accounts import passwords
from app.accounts.breached import BloomFilter, breached
from app.models.user import User, UserSession
from tests.support.factories import PASSWORD, login, make_complaint, make_user
from tests.support.forms import post_form
from tests.support.mail import queued_mails


def _link(text: str, path: str) -> str:
    match = re.search(rf"(/account/{path}/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


def _logged_in(client) -> bool:
    return "Log out (" in client.get("/").text


def test_the_shipped_filter_holds_both_public_lists():
    shipped = breached()
    assert shipped.entries == 40_101
    for word in ("password", "123456789", "iloveyou", "qwertyuiop", "summer", "trustno1"):
        assert word in shipped
    assert "a brand new phrase" not in shipped


def test_the_filter_survives_a_dump_and_load():
    built = BloomFilter.build({"hunter2", "correct horse"})
    loaded = BloomFilter.load(built.dump())
    assert "hunter2" in loaded and "correct horse" in loaded
    assert "battery staple" not in loaded
    with pytest.raises(ValueError, match="truncated"):
        BloomFilter.load(built.dump()[:-1])


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("password", True),
        ("Password1", True),  # compared case-insensitively
        ("qwertyuiop", True),
        ("short", True),
        ("x" * 1025, True),
        ("new@example.org", True),  # the email address itself
        # What the security review got accepted:
        ("Outcry2026", True),  # the site's name
        ("outcry123", True),
        ("Password123!", True),  # a common word with digits and symbols stuck on
        ("Summer2024", True),
        ("password\u200b", True),  # an invisible zero-width space
        ("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", True),  # full-width
        ("\ufeffdragon1987", True),
        ("my outcry account pass", True),
        ("correct horse battery", False),
        ("x" * 1024, False),
        ("Ünïcödé pässphrase", False),
        ("\u200b\u200b\u200b\u200bab12", True),  # too short once the invisible ones go
    ],
)
def test_password_rules(password, refused):
    assert (passwords.problem(password, email="new@example.org") is not None) is refused


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Outcry2026", "name of this site"),
        ("Password123!", "most common"),
        ("maria.kowalski-42", "email address or name"),  # the email's local part
        ("kowalskimail rocks", "email address or name"),  # a part of it
        ("acmewidgets forever", "email address or name"),  # the email's domain
        ("Kowalska blue tree", "email address or name"),  # the display name
    ],
)
def test_refusals_say_why(password, message):
    problem = passwords.problem(
        password, email="maria.kowalski@acmewidgets.com", display_name="Anna Kowalska"
    )
    assert problem is not None and message in problem


def test_signup_refuses_a_common_password_and_keeps_the_rest(client, db):
    response = post_form(
        client,
        "/signup",
        {"email": "new@example.org", "display_name": "Maria K.", "password": "iloveyou1"},
    )
    assert response.status_code == 422
    assert "most common" in response.text
    assert 'value="new@example.org"' in response.text
    assert db.exec(select(User)).first() is None


# Forgot / reset ------------------------------------------------------------------------------


def test_forgot_password_says_the_same_whether_or_not_the_account_exists(client, db):
    user = make_user(db)
    db.commit()
    known = post_form(client, "/account/forgot", {"email": user.email})
    unknown = post_form(client, "/account/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    assert len(queued_mails(db, user.email)) == 1
    assert queued_mails(db, "nobody@example.org") == []


def test_forgot_password_is_limited_per_address_typed(client, db, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "rate_limits", {"reset_account": "2/hour"})
    for email in ("nobody@example.org", "NOBODY@example.org"):
        assert post_form(client, "/account/forgot", {"email": email}).status_code == 200
    refused = post_form(client, "/account/forgot", {"email": "nobody@example.org"})
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert 'value="nobody@example.org"' in refused.text


def test_reset_sets_the_password_ends_every_login_and_works_once(client, other_client, db):
    user = make_user(db, verified=False)
    waiting = make_complaint(db, user)
    db.commit()
    login(other_client, user)  # a login elsewhere, perhaps the attacker's
    post_form(client, "/account/forgot", {"email": user.email})
    link = _link(queued_mails(db, user.email)[0]["text"], "reset")

    weak = post_form(client, link, {"password": "password123"})
    assert weak.status_code == 422
    assert "most common" in weak.text
    done = post_form(client, link, {"password": "a brand new phrase"})
    assert done.status_code == 303
    assert done.headers["location"] == "/login?reset=1"

    assert not _logged_in(other_client)
    assert db.exec(select(UserSession).where(UserSession.user_id == user.id)).first() is None
    login(client, user, "a brand new phrase")
    db.refresh(user)
    db.refresh(waiting)
    assert user.email_verified_at is not None  # the link proved the address
    assert waiting.visibility.value == "public"
    assert client.get(link).status_code == 410


# Change password / email ---------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_ends_other_logins(
    client, other_client, db
):
    user = make_user(db)
    db.commit()
    login(client, user)
    login(other_client, user)

    wrong = post_form(
        client,
        "/me/account/password",
        {"current_password": "not it", "new_password": "a brand new phrase"},
        page="/me/account",
    )
    assert wrong.status_code == 403
    assert "not your current password" in wrong.text
    common = post_form(
        client,
        "/me/account/password",
        {"current_password": PASSWORD, "new_password": "trustno1"},
        page="/me/account",
    )
    assert common.status_code == 422
    assert _logged_in(other_client)

    done = post_form(
        client,
        "/me/account/password",
        {"current_password": PASSWORD, "new_password": "a brand new phrase"},
        page="/me/account",
    )
    assert done.status_code == 303
    assert _logged_in(client)  # this login stays
    assert not _logged_in(other_client)  # every other one ended
    client.cookies.clear()
    login(client, user, "a brand new phrase")


def test_wrong_current_passwords_are_limited(client, db, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "rate_limits", {"reauth_user": "2/hour"})
    user = make_user(db)
    db.commit()
    login(client, user)
    form = {"current_password": "guess", "new_password": "a brand new phrase"}
    for _ in range(2):
        assert (
            post_form(client, "/me/account/password", form, page="/me/account").status_code == 403
        )
    right = {"current_password": PASSWORD, "new_password": "a brand new phrase"}
    refused = post_form(client, "/me/account/password", right, page="/me/account")
    assert refused.status_code == 429
    assert "retry-after" in refused.headers


def test_changing_the_email_needs_the_password_and_proof_of_the_new_address(
    client, other_client, db
):
    user = make_user(db, email="old@example.org")
    db.commit()
    login(client, user)
    login(other_client, user)

    def change(new_email: str, password: str = PASSWORD):
        return post_form(
            client,
            "/me/account/email",
            {"new_email": new_email, "password": password},
            page="/me/account",
        )

    assert change("new@example.org", "wrong").status_code == 403
    assert _logged_in(other_client)

    assert change("new@example.org").status_code == 303
    assert not _logged_in(other_client)  # re-authenticated: other logins end now
    db.refresh(user)
    assert user.email == "old@example.org"  # unchanged until the new address is proven
    assert user.pending_email == "new@example.org"
    link = _link(queued_mails(db, "new@example.org")[0]["text"], "email/confirm")

    assert "new@example.org" in client.get(link).text
    assert post_form(client, link, {}).status_code == 303
    db.refresh(user)
    assert (user.email, user.pending_email) == ("new@example.org", None)
    (notice,) = queued_mails(db, "old@example.org")
    assert "changed to new@example.org" in notice["text"]
    client.cookies.clear()
    login(client, user)
    assert post_form(client, link, {}, page="/login").status_code == 410


def test_changing_to_a_taken_address_answers_as_for_a_free_one_and_tells_its_owner(client, db):
    user = make_user(db, email="old@example.org")
    make_user(db, email="taken@example.org", name="Taken Owner")
    db.commit()
    login(client, user)
    answers = []
    for new_email in ("free@example.org", "taken@example.org"):
        response = post_form(
            client,
            "/me/account/email",
            {"new_email": new_email, "password": PASSWORD},
            page="/me/account",
        )
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
        answers.append(re.sub(r'value="[^"]+"', "", page).replace(new_email, "ADDRESS"))
    assert answers[0] == answers[1]
    (notice,) = queued_mails(db, "taken@example.org")
    assert "Nothing was changed" in notice["text"]
    assert "/account/email/confirm/" not in notice["text"]
    db.refresh(user)
    assert user.email == "old@example.org"


def test_forgot_password_does_the_same_work_for_unknown_addresses(db, monkeypatch):
    """Both paths make a token and render the mail; only an account's mail is queued."""
    from app.accounts import links, recovery

    rendered: list[str] = []
    real_render = links.compose.render
    monkeypatch.setattr(
        links.compose, "render", lambda name, **c: rendered.append(name) or real_render(name, **c)
    )
    user = make_user(db)
    recovery.request_reset(session=db, email=user.email)
    recovery.request_reset(session=db, email="nobody@example.org")
    assert rendered == ["account_reset", "account_reset"]
    assert len(queued_mails(db, user.email)) == 1
    assert queued_mails(db, "nobody@example.org") == []
