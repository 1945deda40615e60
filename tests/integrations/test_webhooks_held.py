"""The owner's webhook tools: a test event, deliveries held while a webhook is disabled and
replayed (or dropped after 7 days), and a delivery log with filters, bodies and answers."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from app.clock import utcnow
from app.integrations import signing, webhooks
from app.models.job import Job, JobState
from tests.support.factories import login
from tests.support.forms import post_form
from tests.support.http_receiver import Reply
from tests.support.integrations import deliver, deliveries, file_against, hook

# Failed deliveries wait their full backoff: these tests count attempts per drain.
pytestmark = pytest.mark.usefixtures("slow_backoff")


def test_send_a_test_event_from_the_integrations_page(client, db, acme_owner, receiver):
    company, owner = acme_owner
    target = hook(db, company, owner, receiver.url("/t"), ["message.created"])
    login(client, owner)
    url = f"/dashboard/{company.slug}/integrations"
    assert "Send a test event" in client.get(url).text
    response = post_form(client, f"{url}/webhooks/{target.id}/test", {}, page=url)
    assert response.status_code == 303
    assert deliver(db) == 1
    [request] = receiver.requests
    assert request.headers["outcry-event"] == "webhook.test"
    assert signing.verify(target.secret, request.headers["outcry-signature"], request.body)
    assert json.loads(request.body)["data"]["company"] == company.name
    assert "webhook.test" in client.get(url).text


def test_a_disabled_webhook_keeps_deliveries_for_replay(client, db, acme_owner, receiver):
    company, owner = acme_owner
    target = hook(db, company, owner, receiver.url("/later"), ["complaint.created"])
    webhooks.set_active(
        session=db, company=company, owner=owner, webhook_id=target.id, active=False
    )
    db.commit()
    first = file_against(db, company, title="Held while the helpdesk was down")
    file_against(db, company, title="Also held while it was down")
    assert deliver(db) == 0 and receiver.requests == []

    login(client, owner)
    url = f"/dashboard/{company.slug}/integrations"
    page = client.get(url).text
    assert "2 deliveries held while it was disabled" in page
    assert "Replay held deliveries" not in page  # enable first
    refused = post_form(client, f"{url}/webhooks/{target.id}/replay", {}, page=url)
    assert refused.status_code == 409
    post_form(client, f"{url}/webhooks/{target.id}/enable", {}, page=url)
    assert "Replay held deliveries" in client.get(url).text
    replayed = post_form(client, f"{url}/webhooks/{target.id}/replay", {}, page=url)
    assert replayed.status_code == 303
    assert deliver(db) == 2
    ids = [json.loads(r.body)["data"]["complaint"]["id"] for r in receiver.requests]
    assert first.id in ids and len(ids) == 2
    assert "held while it was disabled" not in client.get(url).text


def test_held_deliveries_not_replayed_within_7_days_are_dropped(db, acme_owner, receiver):
    company, owner = acme_owner
    target = hook(db, company, owner, receiver.url("/never"), ["complaint.created"])
    webhooks.set_active(
        session=db, company=company, owner=owner, webhook_id=target.id, active=False
    )
    db.commit()
    file_against(db, company)
    [job] = deliveries(db)
    assert job.run_after > utcnow() + timedelta(days=6, hours=23)
    job.run_after = utcnow()  # a week later
    db.add(job)
    deliver(db)
    db.refresh(job)
    assert job.state is JobState.DEAD and receiver.requests == []


def test_the_delivery_log_filters_and_shows_bodies_and_answers(client, db, acme_owner, receiver):
    company, owner = acme_owner
    good = hook(db, company, owner, receiver.url("/good"), ["complaint.created"])
    bad = hook(db, company, owner, receiver.url("/bad"), ["complaint.created"])
    receiver.script_path("/good", Reply(200, body=b'{"ticket": "HD-4411"}'))
    receiver.script_path("/bad", Reply(400, body=b"missing field " + b"x" * 2000))
    file_against(db, company, title="A complaint for the log")
    for job in deliveries(db):
        job.max_attempts = 1
        db.add(job)
    deliver(db)
    login(client, owner)
    url = f"/dashboard/{company.slug}/integrations"
    everything = client.get(url).text
    assert "A complaint for the log" in everything  # the request body
    assert "ticket" in everything and "HD-4411" in everything  # the receiver's answer
    assert "missing field" in everything and "x" * 600 not in everything  # capped
    failed = client.get(url, params={"outcome": "gave_up"}).text
    assert "/bad" in failed.split("deliveries-title")[-1] and "HD-4411" not in failed
    only_good = client.get(url, params={"webhook": good.id}).text
    assert "HD-4411" in only_good and "missing field" not in only_good
    assert bad.id != good.id
    assert db.exec(select(Job).where(Job.state == JobState.DEAD)).all()
