"""Email as a channel, in a real browser: an unclaimed company is mailed a complaint over real
SMTP, answers by replying (DKIM-signed, through `outcry mail-in`), the answer appears on the
public ticket, and the consumer confirms the resolution. (The pen and the suggestion page are in test_every_page.py: axe-core at 390 and 1,280 px.)"""

import asyncio
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiosmtplib
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from app.companies import service as companies
from app.jobs import worker
from app.mailchannel.receiver import Receiver
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.user import User
from tests.e2e.helpers import log_in
from tests.support.factories import confirm_domain, make_complaint
from tests.support.mailchannel_helpers import channel, reply, signed
from tests.support.smtp_server import free_port, smtp_server

__all__ = ["channel", "smtp_server"]
pytestmark = pytest.mark.browser


def _run_worker(engine: Engine) -> int:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(worker.drain(engine=engine))).result(timeout=60)


def _send(raw: bytes, recipient: str, host: str, port: int) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(
            lambda: asyncio.run(
                aiosmtplib.send(
                    raw,
                    sender="support@acme.test",
                    recipients=[recipient],
                    hostname=host,
                    port=port,
                )
            )
        ).result(timeout=30)


def _acme(session) -> Company:
    company = companies.create(session=session, name="Acme Widgets", domain="acme.test")
    company.contact_email = "support@acme.test"
    return confirm_domain(session, company)


def test_an_unclaimed_company_answers_by_email_and_the_consumer_confirms(
    page: Page,
    seed: Callable,
    make_account: Callable[..., User],
    engine: Engine,
    channel,
    smtp_server,
) -> None:
    seed(_acme)
    consumer = make_account(name="Maria K.", email="maria@example.org")
    complaint: Complaint = seed(
        lambda s: make_complaint(
            s,
            s.merge(consumer),
            company_name="Acme Widgets",
            title="Charged twice for one widget",
            body="My card was charged twice for one widget and nobody answers the phone.",
        )
    )
    _run_worker(engine)
    (mailed,) = [m for m in smtp_server.received if m.rcpt_tos == ["support@acme.test"]]
    reply_to = str(mailed.message["Reply-To"])
    assert f"/complaints/{complaint.id}" in mailed.part("plain")

    receiver = Receiver(engine, host="127.0.0.1", port=free_port(), lmtp=False)
    receiver.start()
    try:
        answer = reply(
            to=reply_to,
            text="RESOLVED: refund\nWe refunded the second charge of 49.90 EUR today.",
        )
        started = time.perf_counter()
        _send(signed(answer, channel.company_key), reply_to, receiver.hostname, receiver.port)
    finally:
        receiver.stop()
    _run_worker(engine)
    elapsed = time.perf_counter() - started

    log_in(page, consumer, next_path=f"/complaints/{complaint.id}")
    expect(page.locator(".notified")).to_contain_text(
        "Acme Widgets was notified at support@acme.test"
    )
    resolved = page.locator(".timeline li.event-resolve")
    expect(resolved.locator(".what strong")).to_have_text(
        "by email from support@acme.test — Acme Widgets"
    )
    expect(resolved.locator(".what")).to_contain_text("marked it resolved (monetary relief)")
    expect(resolved.locator(".message")).to_have_text(
        "We refunded the second charge of 49.90 EUR today."
    )
    if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / "email-channel-ticket.png"), full_page=True)
    page.get_by_role("button", name="Yes, it is resolved").click()
    expect(page.locator(".status .state")).to_have_text("confirmed resolved")
    print(f"\nmail in to answer on the ticket: {elapsed * 1000:.0f} ms")
