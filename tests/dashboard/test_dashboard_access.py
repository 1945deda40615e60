"""Who may use each dashboard route: anonymous visitors, consumers, reps of another company and
revoked members are refused and change nothing; agents and owners are let in, except where only an
owner (or a saved reply's author) may act. Also: other companies' complaints are not found, and
every form needs its CSRF token."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.accounts import service as accounts
from app.clock import utcnow
from app.models.complaint import Complaint, InternalNote, Message, SavedReply, TimelineEvent
from app.models.membership import Claim, ClaimStatus
from app.models.user import User
from app.web.sessions import cookie_name
from tests.support.dashboard import Scene, build
from tests.support.factories import make_rep
from tests.support.forms import csrf_from

WHO = ["anonymous", "consumer", "other_company_rep", "revoked", "agent", "owner"]

# (method, path, form, who may) — "{page}" is the rep's view of Acme's complaint, "{saved}" a saved
# reply written by Acme's owner.
REPS = {"agent", "owner"}
ROUTES: list[tuple[str, str, dict[str, str] | None, set[str]]] = [
    ("GET", "/dashboard/acme", None, REPS),
    ("GET", "/dashboard/acme?queue=mine", None, REPS),
    ("GET", "{page}", None, REPS),
    ("POST", "{page}/assign", {"assignee_id": "{agent}"}, REPS),
    ("POST", "{page}/reply", {"body": "Hello from the matrix."}, REPS),
    ("POST", "{page}/reply", {"body": "Which card?", "info_request": "1"}, REPS),
    ("POST", "{page}/note", {"note": "A matrix note."}, REPS),
    ("POST", "{page}/resolve", {"resolution_type": "explanation", "message": "Done."}, REPS),
    ("POST", "{page}/use-saved", {"body": "", "saved_id": "{saved}"}, REPS),
    ("GET", "/dashboard/acme/saved-replies", None, REPS),
    ("POST", "/dashboard/acme/saved-replies", {"title": "New", "body": "New text."}, REPS),
    ("GET", "/dashboard/acme/saved-replies/{saved}", None, {"owner"}),
    ("POST", "/dashboard/acme/saved-replies/{saved}", {"title": "X", "body": "Y"}, {"owner"}),
    ("POST", "/dashboard/acme/saved-replies/{saved}/delete", {}, {"owner"}),
]
CHANGES_NOTHING = {"{page}/use-saved"}


@pytest.fixture
def scene(db: Session) -> Scene:
    built = build(db)
    db.commit()  # so a refused request's rollback keeps the scene
    return built


def sign_in(db: Session, client: TestClient, user: User) -> None:
    """A real server-side session, without paying for a password hash per case."""
    client.cookies.set(cookie_name(), accounts.start_session(session=db, user=user))
    db.commit()


def user_for(db: Session, scene: Scene, who: str) -> User | None:
    match who:
        case "anonymous":
            return None
        case "consumer":  # the very consumer who filed the complaint
            return scene.author
        case "other_company_rep":
            return scene.globex_rep
        case "revoked":
            member = make_rep(db, scene.acme, public_name="Former Rep")
            member.revoked_at = utcnow()
            db.add(member)
            db.commit()
            return db.get(User, member.user_id)
        case "agent":
            return scene.agent
        case _:
            return scene.owner


def fill(text: str, scene: Scene) -> str:
    return (
        text.replace("{page}", scene.page)
        .replace("{saved}", str(scene.saved.id))
        .replace("{agent}", str(scene.agent.id))
    )


def snapshot(db: Session, scene: Scene) -> tuple:
    """Everything a dashboard request could change."""
    db.expire_all()

    def count(model: type, complaint_id: int) -> int:
        return db.exec(
            select(func.count()).select_from(model).where(model.complaint_id == complaint_id)
        ).one()

    complaints = []
    for complaint_id in (scene.complaint.id, scene.globex_complaint.id):
        c = db.get(Complaint, complaint_id)
        complaints.append(
            (
                c.state,
                c.assignee_id,
                c.handoff_count,
                c.awaiting_consumer,
                c.resolution_type,
                count(Message, complaint_id),
                count(InternalNote, complaint_id),
                count(TimelineEvent, complaint_id),
            )
        )
    saved = db.exec(
        select(SavedReply.id, SavedReply.title, SavedReply.body).order_by(col(SavedReply.id))
    )
    return (tuple(complaints), tuple(saved.all()))


def send(client: TestClient, method: str, path: str, form: dict[str, str] | None, scene: Scene):
    if method == "GET":
        return client.get(path, follow_redirects=False)
    # This visitor's own token, from any page with a form (the log-in form when anonymous).
    token = csrf_from(client, "/" if cookie_name() in client.cookies else "/login")
    data = {k: fill(v, scene) for k, v in (form or {}).items()}
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    ("method", "path", "form", "allowed"),
    ROUTES,
    ids=[f"{m} {p}{' info' if f and 'info_request' in f else ''}" for m, p, f, _ in ROUTES],
)
def test_access_matrix(db, client, scene, who, method, path, form, allowed) -> None:
    user = user_for(db, scene, who)
    if user is not None:
        sign_in(db, client, user)
    before = snapshot(db, scene)
    response = send(client, method, fill(path, scene), form, scene)
    after = snapshot(db, scene)

    if who == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    elif who not in allowed:
        assert response.status_code == 403, response.text[:500]
    if who not in allowed:
        assert after == before
        return
    if method == "GET" or path in CHANGES_NOTHING:
        assert response.status_code == 200, response.text[:500]
        assert after == before
    else:
        assert response.status_code == 303, response.text[:500]
        assert after != before


@pytest.mark.parametrize("who", WHO)
def test_the_dashboard_home_needs_only_an_account(db, client, scene, who) -> None:
    user = user_for(db, scene, who)
    if user is not None:
        sign_in(db, client, user)
    response = client.get("/dashboard", follow_redirects=False)
    if user is None:
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/dashboard"
        return
    assert response.status_code == 200
    assert ('href="/dashboard/acme"' in response.text) is (who in REPS)


OTHER_COMPANY_ROUTES = [(m, p, f) for m, p, f, _ in ROUTES if "{page}" in p]


@pytest.mark.parametrize(("method", "path", "form"), OTHER_COMPANY_ROUTES)
def test_another_companys_complaint_is_not_found_through_our_dashboard(
    db, client, scene, method, path, form
) -> None:
    """Acme's owner asks for Globex's complaint under Acme's address: 404, never its content."""
    sign_in(db, client, scene.owner)
    globex_page = f"/dashboard/acme/complaints/{scene.globex_complaint.id}"
    before = snapshot(db, scene)
    response = send(client, method, path.replace("{page}", globex_page), form, scene)
    assert response.status_code == 404
    assert "Globex lost my parcel" not in response.text
    assert "GLX-7" not in response.text
    assert snapshot(db, scene) == before


def test_reps_of_another_company_cannot_open_its_queue_or_saved_replies(db, client, scene) -> None:
    sign_in(db, client, scene.owner)
    assert client.get("/dashboard/globex").status_code == 403
    assert (
        client.get(f"/dashboard/globex/complaints/{scene.globex_complaint.id}").status_code == 403
    )
    globex_saved = SavedReply(
        company_id=scene.globex.id, author_id=scene.globex_rep.id, title="G", body="G"
    )
    db.add(globex_saved)
    db.commit()
    # Under Acme's address, Globex's saved reply does not exist.
    assert client.get(f"/dashboard/acme/saved-replies/{globex_saved.id}").status_code == 404
    before = snapshot(db, scene)
    token = csrf_from(client, "/")
    delete = client.post(
        f"/dashboard/acme/saved-replies/{globex_saved.id}/delete", data={"csrf_token": token}
    )
    assert delete.status_code == 404
    assert snapshot(db, scene) == before
    assert client.get("/dashboard/no-such-company").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "form"), [(m, p, f) for m, p, f, _ in ROUTES if m == "POST"]
)
@pytest.mark.parametrize("token", ["missing", "someone else's"])
def test_every_form_needs_its_own_csrf_token(
    db, client, other_client, scene, method, path, form, token
) -> None:
    sign_in(db, client, scene.owner)
    data = {k: fill(v, scene) for k, v in (form or {}).items()}
    if token != "missing":
        sign_in(db, other_client, scene.agent)
        data["csrf_token"] = csrf_from(other_client, "/")
    before = snapshot(db, scene)
    response = client.post(fill(path, scene), data=data)
    assert response.status_code == 403
    assert "did not come from Outcry" in response.text
    assert snapshot(db, scene) == before


def test_every_dashboard_form_carries_a_csrf_token(db, client, scene) -> None:
    sign_in(db, client, scene.owner)
    for page in (
        scene.page,
        "/dashboard/acme/saved-replies",
        f"/dashboard/acme/saved-replies/{scene.saved.id}",
    ):
        html = client.get(page).text
        forms = html.count('method="post"')
        assert forms > 0
        assert html.count('name="csrf_token"') >= forms, page


def test_a_suspended_claim_shuts_the_dashboard(db, client, scene) -> None:
    sign_in(db, client, scene.owner)
    claim = db.exec(select(Claim).where(Claim.company_id == scene.acme.id)).one()
    claim.status = ClaimStatus.SUSPENDED
    db.add(claim)
    db.commit()
    assert client.get("/dashboard/acme").status_code == 403
    assert 'href="/dashboard/acme"' not in client.get("/dashboard").text
