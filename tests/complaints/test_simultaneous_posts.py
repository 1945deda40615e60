"""The same form sent twice at once (a double click, two tabs): the second send gets the first's
result, a redirect to the complaint, never an error page, and one message is made. Runs against
the app's own engine (each request its own connection), so the two sends really overlap."""

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, col, select

from app.clock import utcnow
from app.main import create_app
from app.models.company import Company
from app.models.complaint import Complaint, Message, Side
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import csrf_from


@pytest.fixture
def committed(engine: Engine) -> Iterator[Session]:
    """A session whose work really commits; every table is emptied afterwards."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def real_client(committed: Session) -> Iterator[TestClient]:
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


def _until_waiting(engine: Engine) -> None:
    """Until the send waits on the held key (PostgreSQL) or write lock (SQLite, at once)."""
    if engine.dialect.name != "postgresql":
        time.sleep(1.0)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(200):
        with engine.connect() as probe:
            if probe.execute(waiting).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the send never reached the held key")


def _send_while_held(engine, client, complaint, author: User, path: str, page: str, data):
    """Send ``data`` while another transaction holds, uncommitted, the message the same form
    made (the other of two simultaneous sends), then let that one commit."""
    token = csrf_from(client, page)
    with Session(engine) as other:
        side = Side.CONSUMER if author.id == complaint.author_id else Side.COMPANY
        other.add(
            Message(
                complaint_id=complaint.id,
                author_id=author.id,
                side=side,
                body=data["body"],
                created_at=utcnow(),
                submission_key=data["submission_key"],
            )
        )
        other.flush()  # holds the key (and, on SQLite, the write lock) until it commits
        answers: list = []
        send = threading.Thread(
            target=lambda: answers.append(
                client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
            )
        )
        send.start()
        _until_waiting(engine)
        other.commit()
    send.join(30)
    return answers[0]


def _bodies(engine: Engine, complaint: Complaint) -> list[str]:
    with Session(engine) as session:
        query = select(Message.body).where(Message.complaint_id == complaint.id)
        return list(session.exec(query.order_by(col(Message.id))))


def test_the_second_of_two_simultaneous_sends_gets_the_first_ones_result(
    engine: Engine, committed: Session, real_client: TestClient
) -> None:
    author = make_user(committed, name="Priya J.")
    complaint = make_complaint(committed, author, company_name="Maple Post", title="Parcel lost")
    company = committed.get(Company, complaint.company_id)
    rep = committed.get(User, make_rep(committed, company, public_name="Dana Ortiz").user_id)
    committed.commit()

    login(real_client, author)
    ticket = f"/complaints/{complaint.id}"
    data = {"body": "Any news?", "submission_key": "k" * 32}
    answer = _send_while_held(
        engine, real_client, complaint, author, f"{ticket}/follow-up", ticket, data
    )
    assert answer.status_code == 303 and answer.headers["location"] == ticket
    assert _bodies(engine, complaint) == ["Any news?"]

    real_client.cookies.clear()
    login(real_client, rep)
    view = f"/dashboard/{company.slug}/complaints/{complaint.id}"
    data = {"body": "Still looking.", "submission_key": "r" * 32}
    answer = _send_while_held(engine, real_client, complaint, rep, f"{view}/reply", view, data)
    assert answer.status_code == 303
    assert _bodies(engine, complaint) == ["Any news?", "Still looking."]
