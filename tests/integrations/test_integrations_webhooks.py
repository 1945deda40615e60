"""Webhooks end to end: events queue deliveries in the change's transaction, the worker POSTs them
to a real HTTP server on loopback, signed; retries, 410, 429 and every attempt are recorded."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from app.clock import utcnow
from app.complaints import company as company_side
from app.events import ComplaintCreated, emit
from app.integrations import delivery, signing, tokens, webhooks
from app.integrations.delivery import retry_after_seconds
from app.integrations.schemas import WebhookDelivery
from app.models.audit import AuditEntry
from app.models.company import Company
from app.models.complaint import InternalNote, TimelineEvent
from app.models.job import Job, JobAttempt, JobState
from app.models.membership import Role
from app.models.user import User
from tests.support.factories import login, make_complaint, make_rep, make_user
from tests.support.forms import post_form
from tests.support.http_receiver import Reply, serve
from tests.support.integrations import ALL, deliver, deliveries, file_against, hook


@pytest.fixture(autouse=True)
def _no_early_retry(slow_backoff) -> None:
    """Failed deliveries wait their full backoff: these tests count attempts per drain."""


def make_due(db: Session) -> None:
    for job in deliveries(db):
        if job.state is JobState.PENDING:
            job.run_after = utcnow()
            db.add(job)
    db.commit()


# Queueing ---------------------------------------------------------------------------------------


def test_each_event_queues_exactly_one_delivery_per_subscribed_webhook(db, acme_owner):
    company, owner = acme_owner
    everything = hook(db, company, owner, "https://a.example.com/", ALL)
    messages_only = hook(db, company, owner, "https://b.example.com/", ["message.created"])
    disabled = hook(db, company, owner, "https://c.example.com/", ALL)
    webhooks.set_active(
        session=db, company=company, owner=owner, webhook_id=disabled.id, active=False
    )
    globex_complaint = make_complaint(db, company_name="Globex Power")
    globex = db.get(Company, globex_complaint.company_id)
    globex_owner = db.get(User, make_rep(db, globex, role=Role.OWNER).user_id)
    hook(db, globex, globex_owner, "https://globex.example.com/", ALL)

    complaint = file_against(db, company)
    # The same event emitted again (a replayed request) queues nothing more.
    emit(session=db, event=ComplaintCreated(complaint_id=complaint.id))
    company_side.reply(session=db, complaint=complaint, user=owner, body="We are on it.")
    db.commit()

    jobs = [
        j for j in deliveries(db) if j.payload["body"]["data"]["complaint"]["id"] == complaint.id
    ]
    by_hook = {
        h.id: sorted(j.payload["event"] for j in jobs if j.payload["webhook_id"] == h.id)
        for h in (everything, messages_only, disabled)
    }
    # The reply is an update, a new message and (to its first replier) an assignment: one
    # change, one delivery per webhook, under the most specific event each subscribed to.
    assert by_hook[everything.id] == ["complaint.created", "message.created"]
    assert by_hook[messages_only.id] == ["message.created"]
    reply = next(
        j
        for j in jobs
        if j.payload["webhook_id"] == everything.id and j.payload["event"] == "message.created"
    )
    changes = reply.payload["body"]["changes"]
    assert changes["state"] == {"from": "open", "to": "answered"}
    assert changes["assignee"] == {"from": None, "to": owner.id}
    assert changes["message"]["side"] == "company"
    assert changes["whose_turn"] == "consumer"
    assert reply.payload["body"]["data"]["assignee"]["public_name"] == "Dana Ortiz"
    assert reply.payload["body"]["data"]["message"]["body"] == "We are on it."
    # A disabled webhook's are held (for its owner to replay within 7 days), not sent.
    assert by_hook[disabled.id] == ["complaint.created", "message.created"]
    assert all(j.payload["held"] == (j.payload["webhook_id"] == disabled.id) for j in jobs)
    assert len({j.payload["delivery_id"] for j in jobs}) == len(jobs)


def test_a_reply_on_a_long_conversation_reads_only_its_own_step(db, acme_owner):
    """The delivery's "changes" need the reply's own timeline step, not every earlier answer:
    a complaint the company has answered many times must not make each new reply slower
    (bench/README.md: the soak's one complaint, answered 5 times a second)."""
    company, owner = acme_owner
    hook(db, company, owner, "https://a.example.com/", ALL)
    complaint = make_complaint(db, company_name=company.name)
    for n in range(30):
        company_side.reply(session=db, complaint=complaint, user=owner, body=f"Update {n}.")
    db.commit()
    loaded: list[object] = []
    listener = lambda target, _context: loaded.append(target)  # noqa: E731
    event.listen(TimelineEvent, "load", listener)
    try:
        company_side.reply(session=db, complaint=complaint, user=owner, body="And another.")
        db.commit()
    finally:
        event.remove(TimelineEvent, "load", listener)
    assert len(loaded) <= 2, f"{len(loaded)} timeline steps loaded for one reply"
    last = max((j for j in deliveries(db)), key=lambda j: j.id)
    assert last.payload["body"]["data"]["message"]["body"] == "And another."


def test_a_rolled_back_change_queues_nothing(db, acme_owner):
    company, owner = acme_owner
    hook(db, company, owner, "https://a.example.com/", ALL)
    make_complaint(db, company_name=company.name)
    db.rollback()
    assert deliveries(db) == []


# Delivery to a real server ----------------------------------------------------------------------


def test_delivery_is_signed_and_carries_public_fields_only(db, acme_owner, receiver):
    company, owner = acme_owner
    target = hook(db, company, owner, receiver.url("/hooks/outcry"))
    author = make_user(db, email="private.person@example.org", name="Pat")
    complaint = make_complaint(
        db, author, company_name=company.name, private_reference="SECRET-ACCOUNT-42"
    )
    db.add(InternalNote(complaint_id=complaint.id, body="internal: goodwill credit max 20"))
    company_side.add_note(
        session=db, complaint=complaint, user=owner, body="Escalated to billing team lead"
    )
    company_side.reply(session=db, complaint=complaint, user=owner, body="Refund is on its way.")
    db.commit()

    # The filing, and the reply (with its assignment) as one change.
    assert deliver(db) == 2
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        assert request.method == "POST" and request.path == "/hooks/outcry"
        assert request.headers["content-type"] == "application/json"
        # What a receiver does: verify the signature over the raw body with the shared secret.
        assert signing.verify(target.secret, request.headers["outcry-signature"], request.body)
        assert not signing.verify("whsec_wrong", request.headers["outcry-signature"], request.body)
        assert not signing.verify(
            target.secret, request.headers["outcry-signature"], request.body + b" "
        )
        body = request.json()
        WebhookDelivery.model_validate(body)  # what the schema's "webhooks" section documents
        assert body["event"] == request.headers["outcry-event"]
        assert body["id"] == request.headers["outcry-delivery"]
        assert body["data"]["complaint"]["id"] == complaint.id
        assert body["data"]["complaint"]["author"] == "Pat"
        raw = request.body.decode()
        for private in ("SECRET-ACCOUNT-42", "private.person@example.org", "goodwill", "Escalated"):
            assert private not in raw
        assert "private_reference" not in raw and "email" not in raw
    message_event = next(
        r.json() for r in receiver.requests if r.json()["event"] == "message.created"
    )
    assert message_event["data"]["message"]["body"] == "Refund is on its way."
    assert message_event["data"]["message"]["signature"] == "Dana Ortiz, Customer Relations"

    assert all(j.state is JobState.DONE for j in deliveries(db))
    assert deliver(db) == 0 and len(receiver.requests) == 2  # never sent twice


def test_failure_is_retried_with_backoff_then_succeeds(db, acme_owner, receiver):
    company, owner = acme_owner
    hook(db, company, owner, receiver.url("/h"), [ComplaintCreated.name])
    receiver.script(500)
    file_against(db, company)

    before = utcnow()
    assert deliver(db) == 1
    [job] = deliveries(db)
    assert job.state is JobState.PENDING and job.last_error == "HTTP 500"
    assert job.run_after >= before  # waits before trying again
    assert deliver(db) == 0  # not due yet

    make_due(db)
    assert deliver(db) == 1
    [job] = deliveries(db)
    assert job.state is JobState.DONE
    attempts = db.exec(select(JobAttempt).where(JobAttempt.job_id == job.id)).all()
    assert [(a.ok, a.detail) for a in attempts] == [(False, "HTTP 500"), (True, "HTTP 200")]
    first, second = receiver.requests
    assert first.body == second.body  # the same delivery, byte for byte
    assert first.headers["outcry-delivery"] == second.headers["outcry-delivery"]


def test_410_disables_the_webhook_and_stops(db, acme_owner, receiver):
    company, owner = acme_owner
    target = hook(db, company, owner, receiver.url("/gone"), [ComplaintCreated.name])
    receiver.script(410)
    file_against(db, company)
    assert deliver(db) == 1
    [job] = deliveries(db)
    assert job.state is JobState.DEAD
    db.refresh(target)
    assert target.active is False
    assert db.exec(
        select(AuditEntry).where(
            AuditEntry.action == "webhook.disable", AuditEntry.target_id == target.id
        )
    ).one()
    file_against(db, company)  # a disabled webhook gets nothing new: it is held, not sent
    deliver(db)
    assert len(receiver.requests) == 1
    assert [j.payload["held"] for j in deliveries(db)] == [False, True]
    # Its owners are told, with where to re-enable it and replay what was held.
    [mail] = db.exec(
        select(Job).where(Job.kind == "mail", Job.key.startswith("mail:webhook-disabled:"))
    )
    assert mail.payload["to"] == owner.email
    assert "410 Gone" in mail.payload["text"] and "kept for 7 days" in mail.payload["text"]
    assert f"/dashboard/{company.slug}/integrations" in mail.payload["text"]


def test_429_waits_as_long_as_retry_after_asks(db, acme_owner, receiver):
    company, owner = acme_owner
    hook(db, company, owner, receiver.url("/busy"), [ComplaintCreated.name])
    receiver.script(Reply(429, {"Retry-After": "3600"}))
    file_against(db, company)
    before = utcnow()
    deliver(db)
    [job] = deliveries(db)
    assert job.state is JobState.PENDING
    assert job.run_after >= before + timedelta(seconds=3600)
    assert "429" in job.last_error


def test_redirects_are_not_followed(db, acme_owner, receiver):
    company, owner = acme_owner
    hook(db, company, owner, receiver.url("/old"), [ComplaintCreated.name])
    receiver.script(Reply(302, {"Location": receiver.url("/new")}))
    file_against(db, company)
    deliver(db)
    assert [r.path for r in receiver.requests] == ["/old"]
    assert "redirects are not followed" in deliveries(db)[0].last_error


def test_unreachable_receiver_is_recorded_as_a_failed_attempt(db, acme_owner, receiver):
    company, owner = acme_owner
    hook(db, company, owner, "http://127.0.0.1:9/nothing-listens", [ComplaintCreated.name])
    file_against(db, company)
    deliver(db)
    [job] = deliveries(db)
    assert job.state is JobState.PENDING
    assert job.last_error.startswith("could not connect")


def test_outside_development_loopback_and_private_addresses_are_refused(
    db, acme_owner, receiver, monkeypatch
):
    company, owner = acme_owner
    hook(db, company, owner, receiver.url("/local"), [ComplaintCreated.name])
    file_against(db, company)
    production = webhooks.get_settings().model_copy(update={"environment": "production"})
    monkeypatch.setattr(webhooks, "get_settings", lambda: production)
    deliver(db)
    assert receiver.requests == []  # refused before connecting
    [job] = deliveries(db)
    assert job.last_error.startswith("refused:")
    for url in (
        receiver.url("/x"),
        "https://127.0.0.1/x",
        "https://192.168.1.10/x",
        "https://[::1]/",
    ):
        with pytest.raises(webhooks.InvalidWebhook):
            webhooks.check_url(url)
    assert webhooks.check_url("https://helpdesk.example.com/x") == "https://helpdesk.example.com/x"


def test_retry_after_parsing():
    now = utcnow()
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    in_a_minute = (now + timedelta(seconds=60)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 58 <= retry_after_seconds(in_a_minute, now=now) <= 60
    assert retry_after_seconds("99999999") == 24 * 3600


# The owner's view of deliveries ------------------------------------------------------------------


def test_owner_sees_attempts_and_retries_a_dead_delivery(client, db, acme_owner, receiver):
    company, owner = acme_owner
    hook(db, company, owner, receiver.url("/flaky"), [ComplaintCreated.name])
    receiver.script(503)
    file_against(db, company)
    [job] = deliveries(db)
    job.max_attempts = 1  # give up after one failure
    db.add(job)
    deliver(db)
    [job] = deliveries(db)
    assert job.state is JobState.DEAD

    login(client, owner)
    url = f"/dashboard/{company.slug}/integrations"
    shown = client.get(url).text
    assert "HTTP 503" in shown and "gave up" in shown and "Retry" in shown

    response = post_form(client, f"{url}/deliveries/{job.id}/retry", {}, page=url)
    assert response.status_code == 303
    db.refresh(job)
    assert job.state is JobState.PENDING
    deliver(db)
    db.refresh(job)
    assert job.state is JobState.DONE
    shown = client.get(url).text
    assert "HTTP 503" in shown and "HTTP 200" in shown and "delivered" in shown

    again = post_form(client, f"{url}/deliveries/{job.id}/retry", {}, page=url)
    assert again.status_code == 409  # only dead deliveries can be retried


def test_owner_cannot_retry_another_companys_delivery(client, db, acme_owner, receiver):
    company, owner = acme_owner
    globex_complaint = make_complaint(db, company_name="Globex Power")
    globex = db.get(Company, globex_complaint.company_id)
    globex_owner = db.get(User, make_rep(db, globex, role=Role.OWNER).user_id)
    hook(db, globex, globex_owner, receiver.url("/globex"), [ComplaintCreated.name])
    receiver.script(410)
    file_against(db, globex)
    deliver(db)
    [job] = deliveries(db)
    assert job.state is JobState.DEAD

    login(client, owner)
    url = f"/dashboard/{company.slug}/integrations"
    response = post_form(client, f"{url}/deliveries/{job.id}/retry", {}, page=url)
    assert response.status_code == 404
    db.refresh(job)
    assert job.state is JobState.DEAD
    assert "/globex" not in client.get(url).text


def test_api_reply_reaches_the_helpdesk_webhook(client, db, acme_owner, receiver):
    company, owner = acme_owner
    hook(db, company, owner, receiver.url("/desk"), ["message.created"])
    complaint = file_against(db, company)
    _, raw = tokens.create(session=db, company=company, owner=owner, name="Desk")
    db.commit()
    response = client.post(
        f"/api/v1/company/complaints/{complaint.id}/replies",
        json={"body": "Answered from our helpdesk."},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201
    deliver(db)
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["event"] == "message.created"
    assert body["data"]["message"]["body"] == "Answered from our helpdesk."
    assert body["data"]["message"]["signature"] == "Dana Ortiz, Customer Relations"


def test_signature_binds_the_timestamp_and_refuses_replays():
    body = b'{"id":"d1","event":"complaint.created"}'
    header = signing.signature_header("whsec_k", body, timestamp=1_800_000_000)
    assert header.startswith("t=1800000000,v1=")
    assert signing.verify("whsec_k", header, body, now=1_800_000_100)
    assert not signing.verify("whsec_k", header, body, now=1_800_000_000 + 301)  # too old
    moved = header.replace("t=1800000000", "t=1800000200")  # a fresh time on an old signature
    assert not signing.verify("whsec_k", moved, body, now=1_800_000_200)
    assert not signing.verify("whsec_k", "v1=abc", body)


def test_the_documented_verification_recipe_accepts_a_real_delivery(db, acme_owner, receiver):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "api-and-webhooks.md").read_text()
    recipe = docs.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(recipe, namespace)  # noqa: S102 - our own documentation
    company, owner = acme_owner
    target = hook(db, company, owner, receiver.url("/docs"), [ComplaintCreated.name])
    file_against(db, company)
    deliver(db)
    [request] = receiver.requests
    verify = namespace["verify"]
    assert verify(target.secret, request.headers["outcry-signature"], request.body)
    assert not verify("whsec_other", request.headers["outcry-signature"], request.body)


def test_https_delivery_pins_the_checked_address_and_keeps_the_name_for_tls(
    db, acme_owner, monkeypatch
):
    # The worker connects to the IP it checked, yet TLS still verifies the certificate for the
    # webhook's host name (SNI) and the Host header names it: a DNS rebinding cannot redirect it.
    company, owner = acme_owner
    with serve("localhost", tls_hostnames=["localhost"]) as tls_receiver:
        monkeypatch.setattr(delivery, "TLS_TRUST", tls_receiver.client_context())
        target = hook(db, company, owner, tls_receiver.url("/secure"), [ComplaintCreated.name])
        file_against(db, company)
        deliver(db)
        [request] = tls_receiver.requests
    assert request.sni == "localhost"
    assert request.headers["host"] == f"localhost:{tls_receiver.port}"
    assert signing.verify(target.secret, request.headers["outcry-signature"], request.body)
    assert deliveries(db)[0].state is JobState.DONE


def test_https_delivery_refuses_an_untrusted_certificate(db, acme_owner):
    company, owner = acme_owner
    with serve("localhost", tls_hostnames=["localhost"]) as tls_receiver:
        hook(db, company, owner, tls_receiver.url("/secure"), [ComplaintCreated.name])
        file_against(db, company)
        deliver(db)  # with the system's CAs, the test CA is not trusted
        assert tls_receiver.requests == []
    [job] = deliveries(db)
    assert job.state is JobState.PENDING and job.last_error.startswith("could not connect")
