"""A process remembers for a moment whom a login belongs to (app/accounts/session_cache.py):
a change made here counts from its commit; one made elsewhere within the memo's seconds, and
only for reads."""

import time

from sqlalchemy import text

from app.config import get_settings
from tests.support.accounts import browser_with, signed_in_name
from tests.support.factories import login, make_user
from tests.support.forms import post_form


def test_a_rename_or_logout_here_counts_at_once(client, other_client, db):
    user = make_user(db, name="Ana")
    login(client, user)
    login(other_client, user)
    assert signed_in_name(client) == "Ana"  # remembered now

    post_form(other_client, "/logout", {}, page="/")
    assert signed_in_name(client) == "Ana"  # the other browser's login only
    user.display_name = "Ana B."
    db.add(user)
    db.commit()

    assert signed_in_name(client) == "Ana B."


def test_a_login_ended_by_another_process_reads_for_moments_and_writes_never(
    client, db, web_app, monkeypatch
):
    monkeypatch.setattr(get_settings(), "session_cache_seconds", 0.5)
    login(client, make_user(db, name="Ana"))
    assert signed_in_name(client) == "Ana"
    token = client.cookies.get("outcry_session")

    # As another process would: straight to the database, nothing this process sees.
    db.execute(text("DELETE FROM user_session"))
    db.commit()

    replay = browser_with(web_app, token)
    assert signed_in_name(replay) == "Ana"  # a read, within the memo's moment
    # A write looks the login up in the database: it is gone, so the filing asks to log in.
    filing = post_form(replay, "/complaints/new", {"company_name": "Acme", "title": "Late"})
    assert filing.status_code == 401
    assert db.execute(text("SELECT count(*) FROM complaint")).scalar_one() == 0
    time.sleep(0.6)
    assert signed_in_name(replay) is None
    assert replay.get("/me/complaints", follow_redirects=False).status_code == 303


def test_with_the_memo_off_every_view_asks_the_database(client, db, monkeypatch):
    monkeypatch.setattr(get_settings(), "session_cache_seconds", 0)
    login(client, make_user(db, name="Ana"))
    assert signed_in_name(client) == "Ana"

    db.execute(text("DELETE FROM user_session"))
    db.commit()

    assert signed_in_name(client) is None
