"""Email preferences: /me/settings, signed unsubscribe links and RFC 8058 one-click."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import company as company_side
from app.models.company import Company
from app.models.job import Job
from app.models.user import User
from app.notify import unsubscribe
from app.notify.unsubscribe import Preference
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def _reload(db: Session, obj):
    db.expire_all()
    return db.get(type(obj), obj.id)


# /me/settings --------------------------------------------------------------------------------


def test_settings_need_a_login(client: TestClient) -> None:
    response = client.get("/me/settings", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/me/settings"


def test_a_user_turns_complaint_updates_off_and_on(client: TestClient, db: Session) -> None:
    user = make_user(db)
    make_rep(db, companies.create(session=db, name="Acme", domain="acme.example"), user=user)
    login(client, user)
    page = client.get("/me/settings").text
    assert 'name="notify_complaint_updates" checked' in page

    saved = post_form(client, "/me/settings", {"notify_assignments": "on"}, follow_redirects=True)
    assert "Your email settings are saved." in saved.text
    user = _reload(db, user)
    assert (user.notify_complaint_updates, user.notify_assignments) == (False, True)

    post_form(client, "/me/settings", {"notify_complaint_updates": "on"})
    user = _reload(db, user)
    assert (user.notify_complaint_updates, user.notify_assignments) == (True, False)


def test_a_consumer_is_not_offered_the_reps_mail_setting(client: TestClient, db: Session):
    user = make_user(db)
    login(client, user)
    page = client.get("/me/settings").text
    assert 'name="notify_complaint_updates"' in page
    assert 'name="notify_assignments"' not in page

    post_form(client, "/me/settings", {"notify_complaint_updates": "on"})
    assert _reload(db, user).notify_assignments is True  # not switched off unseen


def test_settings_refuse_a_form_without_csrf(client: TestClient, db: Session) -> None:
    user = make_user(db)
    login(client, user)
    assert client.post("/me/settings", data={}).status_code == 403
    assert _reload(db, user).notify_complaint_updates is True


# Unsubscribe links ---------------------------------------------------------------------------


def test_the_unsubscribe_page_asks_first_and_its_form_stops_the_mail(
    client: TestClient, db: Session
) -> None:
    user = make_user(db)
    token = unsubscribe.token_for_user(user, Preference.COMPLAINT_UPDATES)

    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert "Yes, stop these emails" in page.text
    assert _reload(db, user).notify_complaint_updates is True  # GET changes nothing

    assert client.post(f"/unsubscribe/{token}", data={}).status_code == 403  # no CSRF token
    assert _reload(db, user).notify_complaint_updates is True

    done = post_form(client, f"/unsubscribe/{token}", {})
    assert done.status_code == 200
    assert "you will get no more emails about updates about your complaints" in done.text
    user = _reload(db, user)
    assert (user.notify_complaint_updates, user.notify_assignments) == (False, True)


def test_one_click_unsubscribe_needs_no_cookie_and_no_csrf_token(
    client: TestClient, db: Session
) -> None:
    """RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the header's address."""
    rep = make_user(db)
    token = unsubscribe.token_for_user(rep, Preference.ASSIGNMENTS)
    client.cookies.clear()
    response = client.post(f"/unsubscribe/{token}/one-click", data=ONE_CLICK)
    assert response.status_code == 200
    rep = _reload(db, rep)
    assert (rep.notify_assignments, rep.notify_complaint_updates) == (False, True)


def test_one_click_without_its_body_changes_nothing(client: TestClient, db: Session) -> None:
    user = make_user(db)
    db.commit()  # a refused request rolls back the test's uncommitted work
    token = unsubscribe.token_for_user(user, Preference.COMPLAINT_UPDATES)
    assert client.post(f"/unsubscribe/{token}/one-click", data={}).status_code == 400
    assert client.get(f"/unsubscribe/{token}/one-click").status_code == 405
    assert _reload(db, user).notify_complaint_updates is True


def test_forged_or_altered_links_are_refused(client: TestClient, db: Session) -> None:
    victim, attacker = make_user(db), make_user(db)
    db.commit()  # a refused request rolls back the test's uncommitted work
    mine = unsubscribe.token_for_user(attacker, Preference.COMPLAINT_UPDATES)
    subject, preference, signature = mine.split(".")
    forged = [
        f"u{victim.id}.{preference}.{signature}",  # someone else's id, my signature
        f"{subject}.assignments.{signature}",  # another preference
        f"c{attacker.id}.company_notices.{signature}",  # another kind of recipient
        f"{subject}.{preference}.{signature[:-1]}A",
        "nonsense",
    ]
    for token in forged:
        assert client.get(f"/unsubscribe/{token}").status_code == 404, token
        assert client.post(f"/unsubscribe/{token}/one-click", data=ONE_CLICK).status_code == 404
    victim, attacker = _reload(db, victim), _reload(db, attacker)
    assert victim.notify_complaint_updates and victim.notify_assignments
    assert attacker.notify_complaint_updates and attacker.notify_assignments


def test_the_one_click_header_of_a_real_mail_unsubscribes(client: TestClient, db: Session) -> None:
    author = make_user(db)
    complaint = make_complaint(db, author, company_name="Acme Energy")
    company = db.get(Company, complaint.company_id)
    rep = db.get(User, make_rep(db, company).user_id)
    company_side.reply(session=db, complaint=complaint, user=rep, body="Hello.")
    mail = db.exec(
        select(Job).where(Job.kind == "mail", col(Job.key).startswith("mail:message:"))
    ).one()
    url = mail.payload["headers"]["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://testserver/")

    assert client.post(url.removeprefix("http://testserver"), data=ONE_CLICK).status_code == 200
    assert _reload(db, author).notify_complaint_updates is False

    before = db.exec(select(Job).where(Job.kind == "mail")).all()
    company_side.reply(session=db, complaint=complaint, user=rep, body="Anything else?")
    assert db.exec(select(Job).where(Job.kind == "mail")).all() == before  # no more mail


def test_an_unclaimed_company_can_stop_its_notices(client: TestClient, db: Session) -> None:
    make_complaint(db, company_name="Widgets Ltd")
    company = db.exec(select(Company).where(Company.name == "Widgets Ltd")).one()
    company.contact_email = "help@widgets.example"
    db.add(company)
    db.flush()
    make_complaint(db, company_name="Widgets Ltd")
    notice = db.exec(select(Job).where(col(Job.key).startswith("mail:company-notice:"))).one()
    url = notice.payload["headers"]["List-Unsubscribe"].strip("<>")
    page_url = url.removeprefix("http://testserver").removesuffix("/one-click")
    assert "new public complaints about your company" in client.get(page_url).text

    started = utcnow()
    assert post_form(client, page_url, {}).status_code == 200
    assert _reload(db, company).notices_unsubscribed_at >= started

    make_complaint(db, company_name="Widgets Ltd")
    notices = db.exec(select(Job).where(col(Job.key).startswith("mail:company-notice:"))).all()
    assert notices == [notice]
