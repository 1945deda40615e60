"""CSRF: every route that changes something refuses a POST that lacks the visitor's own token.

The routes are not listed here: they are read from the app, so a new POST route is covered (or
this suite fails and asks for it) the day it is added.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, select

from app.companies import service as companies
from app.complaints import cosigns
from app.complaints import service as complaints
from app.main import create_app
from app.models.complaint import Complaint, ComplaintState, ResolutionType
from app.models.user import User
from app.routes.public.complaints import CONSUMER_ACTIONS, act
from app.web.csrf import require_csrf
from tests.conftest import csrf_from
from tests.factories import PASSWORD, login, make_complaint, make_user

REFUSAL = "did not come from Outcry"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# POST routes that take no CSRF token on purpose, and why. Anything else without one fails.
EXEMPT = {
    "/unsubscribe/{token}/one-click": "RFC 8058: mail providers POST it with no page and no "
    "token; the unguessable token in the path is the authority, and it only unsubscribes",
    "/inbound/email": "a mail provider's inbound webhook: no browser, no cookie; a shared secret "
    "in the Authorization header is the authority (app/routes/moderation/mail.py)",
}


# Reading the routes from the app ---------------------------------------------------------------


def _flatten(routes) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # FastAPI's included routers
            yield from route.effective_route_contexts()
        elif hasattr(route, "routes") and not hasattr(route, "methods"):
            yield from _flatten(route.routes)
        else:
            yield route


def unsafe_routes(application) -> list:
    found = {}
    for route in _flatten(application.routes):
        methods = set(getattr(route, "methods", None) or ())
        if methods & UNSAFE:
            found[(route.path, tuple(sorted(methods & UNSAFE)))] = route
    return list(found.values())


def _calls(dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def takes_csrf_token(route) -> bool:
    return require_csrf in set(_calls(route.dependant))


def is_json_api(route) -> bool:
    return route.path.startswith("/api/")


ROUTES = unsafe_routes(create_app())
FORM_ROUTES = [r for r in ROUTES if takes_csrf_token(r)]
API_ROUTES = [r for r in ROUTES if not takes_csrf_token(r) and is_json_api(r)]


def params_of(route) -> list[str]:
    return re.findall(r"{(\w+)(?::\w+)?}", route.path)


def cases(routes) -> list:
    """One case per route, and one per consumer action for the complaint action route."""
    result = []
    for route in routes:
        actions = list(CONSUMER_ACTIONS) if route.endpoint is act else [None]
        for action in actions:
            label = f"{'/'.join(sorted(route.methods & UNSAFE))} {route.path}"
            result.append(
                pytest.param(route, action, id=label + (f" [{action}]" if action else ""))
            )
    return result


# The world a request lands in ------------------------------------------------------------------


@dataclass
class World:
    actor: User  # the logged-in victim whose browser sends the forged request
    author: User
    complaint: Complaint
    company_slug: str
    data: dict[str, str] = field(default_factory=dict)
    changes: bool = False  # whether the request with a valid token is known to change something


GENERIC_FORM = {
    # Not the factory's text: the world's author already filed that one (a duplicate is refused).
    "title": "Router never arrived",
    "body": "The replacement router I was promised in May never arrived at all.",
    "category": "billing",
    "company_name": "Northwind Telecom",
    "submission_key": "csrf-suite-key",
    "display_name": "Newcomer",
    "password": "a long enough phrase",
    "email": "newcomer@example.org",
}


def build_world(db: Session, route, action: str | None) -> World:
    author = make_user(db, email="author@example.org", name="Author")
    admin = make_user(db, email="admin@example.org", name="Admin", is_admin=True)
    company = companies.create(session=db, name="Northwind Telecom", domain="northwind.example")
    complaint = make_complaint(db, author, company_name="Northwind Telecom")
    world = World(
        actor=author,
        author=author,
        complaint=complaint,
        company_slug=company.slug,
        data=dict(GENERIC_FORM),
    )
    # Where the suite knows the route, make the genuine request succeed, so that "nothing
    # changed" after a forged one means something.
    if route.path == "/signup":
        world.changes = True
    elif route.path == "/login":
        world.data["email"] = author.email
        world.data["password"] = PASSWORD
        world.changes = True
    elif route.path in ("/logout", "/complaints/new"):
        world.changes = True
    elif route.endpoint is act:
        if action in ("confirm", "dispute"):
            rep = make_user(db, name="Support")
            complaints.answer(session=db, complaint=complaint, rep=rep, body="On it.")
            complaints.resolve(
                session=db, complaint=complaint, rep=rep, resolution_type=ResolutionType.MONETARY
            )
        if action in ("cosign", "uncosign"):
            world.actor = admin
        if action == "uncosign":
            cosigns.cosign(session=db, complaint=complaint, user=admin)
        world.changes = True
    db.commit()
    return world


def path_for(route, world: World, action: str | None) -> str:
    values = {
        "complaint_id": str(world.complaint.id),
        "slug": world.company_slug,
        "action": action,
    }

    def fill(match: re.Match) -> str:
        return values.get(match.group(1)) or "1"

    return re.sub(r"{(\w+)(?::\w+)?}", fill, route.path)


def snapshot(db: Session) -> dict[str, list[str]]:
    """Every row of every table: what "nothing changed" means."""
    db.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.execute(select(table)).all())
        for table in SQLModel.metadata.sorted_tables
    }


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and REFUSAL in response.text


# The route list itself -------------------------------------------------------------------------


def test_the_route_list_is_read_from_the_app(web_app):
    assert {r.path for r in unsafe_routes(web_app)} == {r.path for r in ROUTES}
    paths = {r.path for r in ROUTES}
    # A sanity check on the reading, not the list under test.
    assert {"/login", "/logout", "/signup", "/complaints/new"} <= paths
    assert any(r.endpoint is act for r in FORM_ROUTES)
    assert "/api/v1/complaints" in {r.path for r in API_ROUTES}


def test_every_unsafe_route_is_protected():
    unprotected = [
        r.path
        for r in ROUTES
        if not takes_csrf_token(r) and not is_json_api(r) and r.path not in EXEMPT
    ]
    assert unprotected == [], "POST routes without a CSRF token check"
    assert set(EXEMPT) <= {r.path for r in ROUTES}, "an exemption for a route that is gone"
    assert all(not takes_csrf_token(r) for r in ROUTES if r.path in EXEMPT)


# Forms: a missing or foreign token is refused --------------------------------------------------


@pytest.mark.parametrize(("route", "action"), cases(FORM_ROUTES))
def test_forged_form_posts_are_refused_and_change_nothing(client, other_client, db, route, action):
    world = build_world(db, route, action)
    login(client, world.actor)
    path = path_for(route, world, action)
    method = sorted(route.methods & UNSAFE)[0]
    # Tokens a forger could get: their own anonymous one, and their own logged-in one.
    anonymous_token = csrf_from(other_client, "/login")
    login(other_client, make_user(db, email="forger@example.org", name="Forger"))
    logged_in_token = csrf_from(other_client, "/")
    own_token = csrf_from(client, "/")
    assert len({anonymous_token, logged_in_token, own_token}) == 3
    before = snapshot(db)

    forged = {
        "no token": world.data,
        "empty token": {**world.data, "csrf_token": ""},
        "another visitor's token": {**world.data, "csrf_token": anonymous_token},
        "another user's token": {**world.data, "csrf_token": logged_in_token},
    }
    for what, data in forged.items():
        response = client.request(method, path, data=data, follow_redirects=False)
        assert is_csrf_refusal(response), f"{what}: {response.status_code} {response.text[:300]}"
        assert changed_tables(before, snapshot(db)) == [], what
    header = client.request(
        method,
        path,
        data=world.data,
        headers={"x-csrf-token": logged_in_token},
        follow_redirects=False,
    )
    assert is_csrf_refusal(header), "another user's token in the header"
    json_body = client.request(
        method,
        path,
        content=json.dumps({**world.data, "csrf_token": own_token}),
        headers={"content-type": "application/json"},
        follow_redirects=False,
    )
    assert is_csrf_refusal(json_body), "a JSON body is not a form: no token is read from it"
    assert changed_tables(before, snapshot(db)) == []
    assert f"Log out ({world.actor.display_name})" in client.get("/").text

    # The same request with the visitor's own token is not refused for CSRF: the refusals above
    # were about the token, not about the login, the path or the data.
    genuine = client.request(
        method, path, data={**world.data, "csrf_token": own_token}, follow_redirects=False
    )
    assert not is_csrf_refusal(genuine), genuine.text[:300]
    assert genuine.status_code < 500, genuine.text[:300]
    if world.changes:
        assert genuine.status_code == 303, genuine.text[:300]
        assert changed_tables(before, snapshot(db)) != []


def test_the_token_in_the_header_is_accepted(client, other_client, db):
    """Scripts send the token as X-CSRF-Token; the visitor's own one passes."""
    complaint = make_complaint(db)
    user = make_user(db)
    login(client, user)
    token = csrf_from(client, "/")

    response = client.post(
        f"/complaints/{complaint.id}/cosign",
        headers={"x-csrf-token": token},
        follow_redirects=False,
    )

    assert response.status_code == 303
    db.refresh(complaint)
    assert complaint.cosign_count == 1


def test_login_csrf_is_refused(client, other_client, db):
    """A forger cannot log a visitor into the forger's own account."""
    forger = make_user(db, email="forger@example.org", name="Forger")
    db.commit()
    forgers_token = csrf_from(other_client, "/login")
    client.get("/")  # the victim has their own anonymous cookie

    response = client.post(
        "/login",
        data={"email": forger.email, "password": PASSWORD, "csrf_token": forgers_token},
        follow_redirects=False,
    )

    assert is_csrf_refusal(response)
    assert "Log out (Forger)" not in client.get("/").text


def test_the_token_survives_only_as_long_as_the_session(client, db):
    """A token from before logging in, or from an ended session, is worthless afterwards."""
    user = make_user(db, name="Ana")
    complaint = make_complaint(db, user)
    db.commit()
    before_login = csrf_from(client, "/login")
    login(client, user)

    stale = client.post(
        f"/complaints/{complaint.id}/withdraw",
        data={"csrf_token": before_login},
        follow_redirects=False,
    )

    assert is_csrf_refusal(stale)
    db.refresh(complaint)
    assert complaint.state is ComplaintState.OPEN


# The JSON API: no token, but no form or simple cross-site request gets in ----------------------


@pytest.mark.parametrize(("route", "action"), cases(API_ROUTES))
def test_cross_site_posts_to_the_api_are_refused(client, db, route, action):
    world = build_world(db, route, action)
    login(client, world.actor)  # the victim's browser carries their login cookie
    path = path_for(route, world, action)
    method = sorted(route.methods & UNSAFE)[0]
    payload = {**world.data, "accept_new_company": True, "submission_key": "cross-site"}
    before = snapshot(db)

    # What a page on another site can send without a CORS preflight.
    simple_requests = {
        "form": {"data": payload},
        "multipart form": {"files": {"title": (None, payload["title"])}, "data": payload},
        "text/plain JSON": {
            "content": json.dumps(payload),
            "headers": {"content-type": "text/plain"},
        },
    }
    for what, kwargs in simple_requests.items():
        response = client.request(method, path, follow_redirects=False, **kwargs)
        assert 400 <= response.status_code < 500, f"{what}: {response.status_code}"
        assert response.headers["content-type"].startswith("application/problem+json"), what
        assert changed_tables(before, snapshot(db)) == [], what


def test_the_api_accepts_the_same_complaint_as_json(client, db):
    """The control for the test above: real JSON from a real client is accepted."""
    user = make_user(db)
    login(client, user)
    payload = {**GENERIC_FORM, "accept_new_company": True}

    response = client.post(
        "/api/v1/complaints",
        content=json.dumps(payload),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 201, response.text
    assert db.exec(select(Complaint)).one().title == payload["title"]
