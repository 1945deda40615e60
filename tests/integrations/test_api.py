"""The public JSON API (v1): lists, filters, details, filing, problem details and the docs."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.clock import utcnow
from app.companies import service as companies
from app.complaints import service as complaints
from app.models.company import Company
from app.models.complaint import Complaint, ComplaintState, ResolutionType
from tests.support.factories import login, make_complaint, make_user

PROBLEM = "application/problem+json"

NEW_COMPLAINT = {
    "title": "Parcel never delivered",
    "body": "Tracking says delivered but nothing arrived; the driver photo shows another door.",
    "category": "delivery",
    "company_name": "Contoso Parcels",
    "company_domain": "contoso.example",
    "private_reference": "ORDER-55512-SECRET",
    "contact_attempts": [{"channel": "phone", "count": 3}],
    "contact_since": "2026-02-01",
    "submission_key": "api-key-1",
    "accept_new_company": True,
}


def count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


def keys(value) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value).union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value))
    return set()


def post_json(client, payload, **headers):
    return client.post(
        "/api/v1/complaints",
        content=json.dumps(payload),
        headers={"content-type": "application/json", **headers},
    )


@pytest.fixture
def listed(db):
    """Five complaints, oldest first, two of them against Contoso and one resolved."""
    start = utcnow() - timedelta(days=5)
    made = [
        make_complaint(
            db,
            title=f"Complaint number {n}",
            company_name="Contoso Parcels" if n in (1, 3) else "Northwind Telecom",
            now=start + timedelta(days=n),
        )
        for n in range(5)
    ]
    rep = make_user(db, name="Support")
    complaints.resolve(
        session=db, complaint=made[3], rep=rep, resolution_type=ResolutionType.EXPLANATION
    )
    db.commit()
    return made


@pytest.fixture
def signed_in(client, db):
    user = make_user(db, email="maria.private@example.org", name="Maria K.")
    login(client, user)
    return user


# Reading -------------------------------------------------------------------------------------


def test_list_is_newest_first_and_paged(client, listed):
    first = client.get("/api/v1/complaints", params={"limit": 2})

    assert first.status_code == 200
    assert first.headers["content-type"] == "application/json"
    page = first.json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 0)
    assert [c["title"] for c in page["items"]] == ["Complaint number 4", "Complaint number 3"]

    last = client.get("/api/v1/complaints", params={"limit": 2, "offset": 4}).json()
    assert [c["title"] for c in last["items"]] == ["Complaint number 0"]
    assert last["total"] == 5
    beyond = client.get("/api/v1/complaints", params={"offset": 10}).json()
    assert beyond["items"] == []
    assert beyond["total"] == 5
    default = client.get("/api/v1/complaints").json()
    assert (len(default["items"]), default["limit"], default["offset"]) == (5, 20, 0)


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({"company": "contoso-parcels"}, ["Complaint number 3", "Complaint number 1"]),
        ({"state": "resolved"}, ["Complaint number 3"]),
        ({"company": "contoso-parcels", "state": "open"}, ["Complaint number 1"]),
        ({"company": "no-such-company"}, []),
        ({"state": "withdrawn"}, []),
    ],
)
def test_list_filters(client, listed, params, titles):
    page = client.get("/api/v1/complaints", params=params).json()

    assert [c["title"] for c in page["items"]] == titles
    assert page["total"] == len(titles)


@pytest.mark.parametrize(
    "params",
    [
        {"state": "bogus"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"offset": -1},
    ],
)
def test_invalid_filters_are_problem_details(client, listed, params):
    response = client.get("/api/v1/complaints", params=params)

    body = assert_problem(response, 422)
    assert body["errors"]
    assert body["errors"][0]["loc"] == ["query", next(iter(params))]


def test_detail(client, listed, db):
    complaint = listed[3]

    response = client.get(f"/api/v1/complaints/{complaint.id}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == complaint.id
    assert body["title"] == "Complaint number 3"
    assert body["company"] == "Contoso Parcels"
    assert body["company_slug"] == "contoso-parcels"
    assert body["state"] == "resolved"
    assert body["resolution_type"] == "explanation"
    assert body["url"] == f"http://testserver/complaints/{complaint.id}"
    assert client.get(body["url"].removeprefix("http://testserver")).status_code == 200


def test_detail_shows_overdue_flags(client, db):
    overdue = make_complaint(db, now=utcnow() - timedelta(days=20))
    very = make_complaint(db, now=utcnow() - timedelta(days=30))
    fresh = make_complaint(db)
    db.commit()

    def flags(c):
        body = client.get(f"/api/v1/complaints/{c.id}").json()
        return body["overdue"], body["very_overdue"]

    assert flags(fresh) == (False, False)
    assert flags(overdue) == (True, False)
    assert flags(very) == (True, True)


def test_unknown_complaint_is_a_problem(client, db):
    body = assert_problem(client.get("/api/v1/complaints/999999"), 404)
    assert "no complaint" in body["detail"]
    assert_problem(client.get("/api/v1/complaints/not-a-number"), 422)


def test_companies_list_and_detail(client, db, listed):
    companies.create(session=db, name="Comcast", domain="comcast.example")
    db.commit()

    page = client.get("/api/v1/companies").json()
    assert [c["name"] for c in page["items"]] == ["Comcast", "Contoso Parcels", "Northwind Telecom"]
    assert page["total"] == 3
    comcast = page["items"][0]
    assert comcast["domain"] == "comcast.example"
    assert comcast["slug"] == "comcast"
    assert comcast["url"] == "http://testserver/companies/comcast"

    found = client.get("/api/v1/companies", params={"q": "north"}).json()
    assert [c["name"] for c in found["items"]] == ["Northwind Telecom"]
    paged = client.get("/api/v1/companies", params={"limit": 1, "offset": 1}).json()
    assert [c["name"] for c in paged["items"]] == ["Contoso Parcels"]
    assert paged["total"] == 3

    detail = client.get(f"/api/v1/companies/{comcast['id']}")
    assert detail.status_code == 200
    assert detail.json() == comcast
    assert_problem(client.get("/api/v1/companies/999999"), 404)
    assert_problem(client.get("/api/v1/companies", params={"limit": 0}), 422)


# Filing --------------------------------------------------------------------------------------


def test_filing_needs_a_login(client, db):
    response = post_json(client, NEW_COMPLAINT)

    assert_problem(response, 401)
    assert count(db, Complaint) == 0


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_filing_needs_json(client, db, signed_in, content_type):
    headers = {"content-type": content_type} if content_type else {}

    response = client.post(
        "/api/v1/complaints", content=json.dumps(NEW_COMPLAINT).encode(), headers=headers
    )

    body = assert_problem(response, 415)
    assert "application/json" in body["detail"]
    assert count(db, Complaint) == 0


def test_filing_creates_the_complaint(client, db, signed_in):
    response = post_json(client, NEW_COMPLAINT)

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/complaints/{body['id']}"
    assert body["title"] == NEW_COMPLAINT["title"]
    assert body["company"] == "Contoso Parcels"
    assert body["author"] == "Maria K."
    assert body["state"] == "open"
    assert body["contact_attempts"] == {"phone": 3}
    assert body["overdue"] is False
    assert body.pop("redactions") == 0  # filing alone says how much personal data was masked
    assert client.get(response.headers["location"]).json() == body
    assert "Parcel never delivered" in client.get(f"/complaints/{body['id']}").text


def test_resending_the_same_submission_key_is_safe(client, db, signed_in):
    first = post_json(client, NEW_COMPLAINT)
    second = post_json(client, NEW_COMPLAINT)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.headers["location"] == second.headers["location"]
    assert count(db, Complaint) == 1
    other = post_json(
        client,
        {
            **NEW_COMPLAINT,
            "submission_key": "api-key-2",
            "title": "Refund for the lost parcel never came",
            "body": "They promised a refund for the lost parcel six weeks ago; none has arrived.",
        },
    )
    assert other.json()["id"] != first.json()["id"]


def test_a_near_duplicate_company_is_a_conflict_with_suggestions(client, db, signed_in):
    companies.create(session=db, name="Comcast", domain="comcast.example")
    db.commit()
    payload = {
        **NEW_COMPLAINT,
        "company_name": "Comcats",
        "company_domain": None,
        "accept_new_company": False,
    }

    response = post_json(client, payload)

    body = assert_problem(response, 409)
    assert "Did you mean Comcast?" in body["detail"]
    assert [s["name"] for s in body["suggestions"]] == ["Comcast"]
    assert body["suggestions"][0]["slug"] == "comcast"
    assert count(db, Complaint) == 0
    assert count(db, Company) == 1

    accepted = post_json(client, {**payload, "accept_new_company": True})
    assert accepted.status_code == 201
    assert accepted.json()["company"] == "Comcats"
    exact = post_json(client, {**payload, "company_name": "comcast", "submission_key": "k3"})
    assert exact.status_code == 201
    assert exact.json()["company_slug"] == "comcast"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"title": "Hi"}, "title"),
        ({"category": "nonsense"}, "category"),
        ({"contact_attempts": [{"channel": "phone", "count": 0}]}, "contact_attempts"),
        ({"company_domain": "not a domain"}, None),
    ],
)
def test_an_invalid_complaint_is_a_problem(client, db, signed_in, change, where):
    response = post_json(client, {**NEW_COMPLAINT, **change})

    body = assert_problem(response, 422 if where else 400)
    if where:
        assert where in [loc for e in body["errors"] for loc in e["loc"]]
    assert count(db, Complaint) == 0


def test_private_details_never_appear_in_the_api(client, other_client, db, signed_in):
    created = post_json(client, NEW_COMPLAINT)
    complaint_id = created.json()["id"]
    company_id = db.exec(select(Company.id).where(Company.slug == "contoso-parcels")).one()

    outputs = [
        created,
        client.get("/api/v1/complaints"),
        client.get(f"/api/v1/complaints/{complaint_id}"),
        client.get("/api/v1/complaints", params={"company": "contoso-parcels"}),
        client.get("/api/v1/companies"),
        client.get(f"/api/v1/companies/{company_id}"),
        other_client.get(f"/api/v1/complaints/{complaint_id}"),
        post_json(client, NEW_COMPLAINT),  # the idempotent replay
    ]
    for response in outputs:
        assert response.status_code in (200, 201), response.text
        text = response.text.lower()
        assert "order-55512-secret" not in text
        assert "private_reference" not in text
        assert "maria.private" not in text
        assert not {"email", "private_reference", "submission_key"} & keys(response.json())
    # The reference was stored: it is kept private, not dropped.
    assert db.get(Complaint, complaint_id).private_reference == "ORDER-55512-SECRET"


# The description and the docs ----------------------------------------------------------------


def test_openapi_lists_the_api(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    spec = json.loads(response.text)
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, methods in {
        "/api/v1/complaints": {"get", "post"},
        "/api/v1/complaints/{complaint_id}": {"get"},
        "/api/v1/companies": {"get"},
        "/api/v1/companies/{company_id}": {"get"},
    }.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    assert "201" in paths["/api/v1/complaints"]["post"]["responses"]


def test_the_docs_page_uses_only_local_assets(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.text
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page loads no script or stylesheet"
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    assert not re.search(r"https?://", " ".join(re.findall(r"<(?:script|link)[^>]*>", html)))
    assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    csp = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src
    assert "http" not in script_src
    # The page points Swagger UI at the spec it can fetch.
    spec_url = re.search(r'data-spec="([^"]+)"', html).group(1)
    assert client.get(spec_url).status_code == 200


def test_states_in_the_api_match_the_model(client, listed):
    states = {c["state"] for c in client.get("/api/v1/complaints").json()["items"]}

    assert states <= {s.value for s in ComplaintState}
    assert states == {"open", "resolved"}


def test_the_schema_lists_only_the_api_and_describes_the_webhooks(client):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert spec["paths"] and all(path.startswith("/api/v1/") for path in spec["paths"])
    for private in ("/dev/mail", "/admin", "/dashboard/{slug}", "/login"):
        assert private not in spec["paths"]
    assert set(spec["webhooks"]) == {"complaint.created", "complaint.updated", "message.created"}
    delivery = spec["webhooks"]["message.created"]["post"]
    body = delivery["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body == "#/components/schemas/WebhookDelivery"
    assert {"Changes", "Assignee", "WebhookData"} <= set(spec["components"]["schemas"])
    assert "Outcry-Signature" in {p["name"] for p in delivery["parameters"]}
    # The signature-checking recipe is the documented one, which a test runs on a real delivery.
    docs = (Path(__file__).resolve().parents[2] / "docs" / "api-and-webhooks.md").read_text()
    recipe = docs.split("```python", 1)[1].split("```")[0]
    assert recipe.strip() in delivery["description"]
