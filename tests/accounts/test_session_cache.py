"""A process remembers for a moment whom a login belongs to (app/accounts/session_cache.py):
a change made here counts from its commit; one made elsewhere within the memo's seconds, and
only for reads."""

import time
from datetime import timedelta

from sqlalchemy import text

from app.clock import utcnow
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


def test_a_lapsed_login_is_looked_up_once_while_the_others_keep_the_old_answer(db):
    from app.accounts import session_cache

    user = make_user(db, name="Busy Reader")
    expires = utcnow() + timedelta(days=1)
    session_cache.keep("busy", started=time.monotonic(), seconds=0.5, expires_at=expires, user=user)
    assert session_cache.lookup("busy") is not None
    time.sleep(0.6)  # lapsed
    assert session_cache.lookup("busy") is None  # this read looks it up again…
    stale = session_cache.lookup("busy")  # …while a read in flight keeps the old answer
    assert stale is not None and stale[1]["display_name"] == "Busy Reader"
    session_cache.keep("busy", started=time.monotonic(), seconds=0.5, expires_at=expires, user=user)
    time.sleep(0.6)
    assert session_cache.lookup("busy") is None  # lapsed again: a new turn to look it up
    session_cache.drop("busy")  # its login was gone
    assert session_cache.lookup("busy") is None


def test_a_lapsed_login_nobody_looked_up_again_is_forgotten(db):
    from app.accounts import session_cache

    user = make_user(db, name="Quiet Reader")
    expires = utcnow() + timedelta(days=1)
    session_cache.keep(
        "quiet", started=time.monotonic(), seconds=0.1, expires_at=expires, user=user
    )
    time.sleep(0.15)
    assert session_cache.lookup("quiet") is None  # its turn taken, then the lookup failed
    time.sleep(0.1)  # past twice its seconds: nobody keeps the old answer any more
    assert session_cache.lookup("quiet") is None
    assert session_cache.lookup("quiet") is None
