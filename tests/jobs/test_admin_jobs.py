"""/admin/jobs: dead jobs of every kind, counts per kind, retry (audited), admins only, and no
payload ever shown."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.clock import utcnow
from app.jobs.queue import Outcome, claim, enqueue, finish
from app.models.audit import AuditEntry
from app.models.broadcast import Broadcast, BroadcastStatus
from app.models.job import Job, JobState
from app.models.user import User
from tests.support.factories import login, make_complaint, make_user
from tests.support.forms import csrf_from, post_form

SECRET_LINK = "https://outcry.test/reset/SECRET-TOKEN-123"


def dead_job(db: Session, kind: str, key: str, error: str) -> Job:
    """A job that was tried once and refused for good, as the worker would leave it."""
    job = enqueue(
        session=db, kind=kind, key=key, payload={"body": SECRET_LINK, "secret": "whsec_hidden"}
    )
    now = utcnow() + timedelta(seconds=1)
    claimed = claim(session=db, kinds=[kind], now=now)
    assert claimed is not None and claimed.id == job.id
    finish(
        session=db,
        job=claimed,
        outcome=Outcome(ok=False, permanent=True, detail=error),
        started_at=now,
        now=now,
    )
    return claimed


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, is_admin=True)


@pytest.fixture
def jobs(db: Session) -> dict[str, Job]:
    made = {
        "mail": dead_job(db, "mail", "mail:reset:7", "SMTP 550 mailbox unavailable"),
        "webhook": dead_job(db, "webhook", "webhook:3:9", "HTTP 410 Gone"),
    }
    enqueue(
        session=db,
        kind="mail",
        key="mail:later:1",
        payload={"body": SECRET_LINK},
        run_after=utcnow() + timedelta(days=1),
    )
    db.commit()  # a refused request rolls back its session: keep these
    return made


def test_admins_see_dead_jobs_and_counts_but_never_payloads(client, db, admin, jobs) -> None:
    login(client, admin)
    assert "/admin/jobs" in client.get("/admin").text
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    html = page.text
    for job in jobs.values():
        assert f'id="job-{job.id}"' in html and job.key in html
    assert "SMTP 550 mailbox unavailable" in html and "HTTP 410 Gone" in html
    assert "SECRET-TOKEN-123" not in html and "whsec_hidden" not in html
    # mail: 1 pending (the later one), 0 running, 1 dead
    assert (
        '<tr id="count-mail"><th scope="row">mail</th><td>1</td><td>0</td><td>1</td></tr>' in html
    )
    assert (
        '<tr id="count-webhook"><th scope="row">webhook</th><td>0</td><td>0</td><td>1</td></tr>'
        in html
    )


def test_retry_puts_a_dead_job_back_in_the_queue_and_is_audited(client, db, admin, jobs) -> None:
    login(client, admin)
    job = jobs["mail"]
    response = post_form(client, f"/admin/jobs/{job.id}/retry", {}, page="/admin/jobs")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/jobs?done=retried"
    db.refresh(job)
    assert job.state == JobState.PENDING and job.attempts == 0
    assert claim(session=db, kinds=["mail"], now=utcnow() + timedelta(seconds=5)).id == job.id
    (entry,) = db.exec(
        select(AuditEntry).where(AuditEntry.target_type == "job", AuditEntry.target_id == job.id)
    ).all()
    assert entry.action == "job.retry" and entry.actor_id == admin.id
    assert "SECRET" not in entry.detail
    page = client.get("/admin/jobs").text
    assert f'id="job-{job.id}"' not in page and f'id="job-{jobs["webhook"].id}"' in page


def test_retrying_a_job_that_is_not_dead_is_refused_and_changes_nothing(
    client, db, admin, jobs
) -> None:
    login(client, admin)
    pending = db.exec(select(Job).where(Job.key == "mail:later:1")).one()
    response = post_form(client, f"/admin/jobs/{pending.id}/retry", {}, page="/admin/jobs")
    assert response.status_code == 409 and "not dead" in response.text
    assert post_form(client, "/admin/jobs/999999/retry", {}, page="/admin/jobs").status_code == 404
    assert db.exec(select(AuditEntry).where(AuditEntry.target_type == "job")).all() == []


def test_retry_needs_a_csrf_token(client, db, admin, jobs) -> None:
    login(client, admin)
    job = jobs["webhook"]
    response = client.post(f"/admin/jobs/{job.id}/retry", data={})
    assert response.status_code == 403
    db.refresh(job)
    assert job.state == JobState.DEAD


def test_non_admins_get_403_and_anonymous_visitors_log_in(client, db, jobs) -> None:
    response = client.get("/admin/jobs", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    login(client, make_user(db))
    assert client.get("/admin/jobs").status_code == 403
    token = csrf_from(client, "/")
    job = jobs["mail"]
    response = client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    db.refresh(job)
    assert job.state == JobState.DEAD


def test_retrying_a_dead_broadcast_queues_its_post_again(client, db, admin) -> None:
    complaint = make_complaint(db)
    broadcast = Broadcast(
        complaint_id=complaint.id,
        event="milestone:7",
        network="bluesky",
        days_open=7,
        status=BroadcastStatus.FAILED,
    )
    db.add(broadcast)
    db.flush()
    job = dead_job(db, "broadcast", f"broadcast:{complaint.id}:milestone:7:bluesky", "refused")
    job.payload = {"broadcast_id": broadcast.id}
    db.add(job)
    db.commit()
    login(client, admin)
    assert (
        post_form(client, f"/admin/jobs/{job.id}/retry", {}, page="/admin/jobs").status_code == 303
    )
    db.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.QUEUED
