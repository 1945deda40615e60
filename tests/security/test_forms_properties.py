"""Forms under hostile input: arbitrary Unicode, NUL bytes, huge values, invalid UTF-8 bodies.
Never a 500, and a refused submission changes nothing in the database."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from app.models.complaint import Complaint, Message
from app.models.user import User
from tests.security.world import browser, build

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40).map(
        lambda s: s + "\x00"
    ),
    st.sampled_from(["\ud800", "a\udfffb", "x" * 200_000, "\x00" * 30, "<\x00script>"]),
)
SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TABLES = (Complaint, Message, User)


def counts(db) -> tuple[int, ...]:
    db.expire_all()
    return tuple(db.exec(select(func.count()).select_from(t)).one() for t in TABLES)


def test_hostile_form_values(web_app, db) -> None:
    world = build(db)
    owner = browser(web_app, db, world.users["owner"])
    anon = browser(web_app, db, None)
    cid = world.complaint.id

    @SETTINGS
    @given(value=HOSTILE)
    def check(value: str) -> None:
        forms = [
            (
                owner,
                "/complaints/new",
                {
                    "title": value,
                    "body": value,
                    "category": "other",
                    "company_name": value,
                    "submission_key": "h",
                },
            ),
            (owner, f"/complaints/{cid}/follow-up", {"body": value}),
            (anon, "/signup", {"email": value, "password": value, "display_name": value}),
            (anon, "/login", {"email": value, "password": value}),
        ]
        for client, path, data in forms:
            # httpx cannot encode lone surrogates: send those as the raw bytes a browser might.
            body = "&".join(
                f"{k}={v.encode('utf-8', 'surrogatepass').hex()}" for k, v in data.items()
            )
            before = counts(db)
            try:
                response = client.post(path, data=data, follow_redirects=False)
            except UnicodeEncodeError:
                response = client.post(
                    path,
                    content=body.encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                    follow_redirects=False,
                )
            assert response.status_code < 500, (path, response.status_code)
            if response.status_code >= 400:
                assert counts(db) == before, (path, value[:40])

    check()


def test_invalid_utf8_bodies(web_app, db) -> None:
    world = build(db)
    owner = browser(web_app, db, world.users["owner"])
    db.commit()  # a refused request rolls back; the login must outlive it, as in production
    before = counts(db)
    for raw in (b"title=\xff\xfe&body=\xc3\x28", b"\x80\x81\x82", b"title=%FF%FE%00&body=%C3%28"):
        for path in ("/complaints/new", f"/complaints/{world.complaint.id}/follow-up"):
            response = owner.post(
                path,
                content=raw,
                headers={"content-type": "application/x-www-form-urlencoded"},
                follow_redirects=False,
            )
            # A clear refusal, not a follow-up of replacement characters.
            assert response.status_code == 400, (path, raw, response.status_code)
            assert "not valid text" in response.text
    api = owner.post(
        "/api/v1/complaints",
        content=b'{"title": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert 400 <= api.status_code < 500
    assert counts(db) == before  # nothing at all changed
    for message in db.exec(select(Message)).all():
        message.body.encode("utf-8")  # everything stored is valid Unicode
