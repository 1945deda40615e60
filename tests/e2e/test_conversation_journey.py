"""The conversation in a real browser: a rep asks for information, the consumer is mailed
"Waiting for you" and answers privately, the rep is mailed and finds it under "Customer
replied", and the private answer is on no public surface."""

import asyncio
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.config import get_settings
from app.jobs import worker
from app.models.company import Company
from app.models.complaint import Complaint
from app.models.job import Job
from app.models.user import User
from tests.e2e.helpers import AXE, RUN_AXE, TIMEOUT_MS, VIEWPORTS, WCAG_TAGS, NewContext, log_in
from tests.support.factories import make_complaint, make_rep

pytestmark = pytest.mark.browser

SECRET = "Flight SK1234, booking reference QX7PLM, bag tag SK482913"


def _run_worker(engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(worker.drain(engine=engine))).result(timeout=60)


def _mails_to(engine: Engine, email: str) -> list[dict]:
    with Session(engine) as session:
        jobs = session.exec(select(Job).where(Job.kind == "mail").order_by(col(Job.id))).all()
    return [job.payload for job in jobs if job.payload["to"] == email]


def _axe_and_shoot(
    browser: Browser, base: str, who: User | None, path: str, name: str, folder: Path
) -> None:
    """axe-core at 390 and 1,280 px, no sideways overflow, and a screenshot of each (in
    ``OUTCRY_E2E_SCREENSHOTS`` when set)."""
    folder.mkdir(parents=True, exist_ok=True)
    for viewport, options in VIEWPORTS.items():
        context = browser.new_context(base_url=base, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(script=AXE)
        page = context.new_page()
        if who is not None:
            log_in(page, who, next_path=path)
        page.goto(path)
        assert page.evaluate(RUN_AXE, WCAG_TAGS) == [], (name, viewport)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (name, viewport, overflow)
        page.screenshot(path=folder / f"conversation-{name}-{viewport}.png", full_page=True)
        context.close()


def test_ask_answer_privately_and_the_rep_is_told(
    page: Page,
    browser: Browser,
    live_server: str,
    new_context: NewContext,
    seed: Callable,
    make_account: Callable[..., User],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("OUTCRY_TURN_MAIL_DELAY_MINUTES", "0")
    get_settings.cache_clear()
    consumer = make_account(name="Priya J.", email="priya@example.org")
    complaint: Complaint = seed(
        lambda s: make_complaint(
            s,
            s.merge(consumer),
            company_name="Maple Post",
            title="Suitcase never arrived",
            body="My suitcase did not arrive after my flight and nobody answers the phone.",
        )
    )
    rep = make_account(name="Dana Ortiz", email="dana@maplepost.example")
    company: Company = seed(lambda s: s.get(Company, complaint.company_id))
    seed(lambda s: make_rep(s, company, user=s.merge(rep), public_name="Dana Ortiz"))

    # The rep asks for information from the dashboard.
    log_in(page, rep, next_path=f"/dashboard/{company.slug}/complaints/{complaint.id}")
    page.goto(f"/dashboard/{company.slug}/complaints/{complaint.id}")
    page.get_by_label("Your reply (Markdown)").fill("Which flight was it, and the bag tag?")
    page.get_by_role("button", name="Ask for more information").click()
    expect(page.locator(".status")).to_contain_text("awaiting the consumer")

    # The consumer is mailed "Waiting for you".
    _run_worker(engine)
    (asked,) = [m for m in _mails_to(engine, consumer.email) if "Waiting for you" in m["subject"]]
    assert (
        asked["subject"]
        == "Waiting for you: Maple Post needs more information: Suitcase never arrived"
    )
    assert "Which flight was it, and the bag tag?" in asked["text"]

    # The ticket says so; the answer is private by default.
    mine = new_context().new_page()
    log_in(mine, consumer, next_path=f"/complaints/{complaint.id}")
    mine.goto(f"/complaints/{complaint.id}")
    expect(mine.locator("#turn")).to_contain_text("Waiting for you")
    expect(mine.get_by_label(re.compile("^Private: only Maple Post"))).to_be_checked()
    mine.get_by_label("Answer Maple Post's question").fill(SECRET)
    mine.get_by_role("button", name="Send").click()
    expect(mine.locator("#turn")).to_contain_text("Waiting for Maple Post")
    answer = mine.locator(".timeline li.event-follow_up").last
    expect(answer.locator(".flag-private")).to_have_text("private")
    expect(answer.locator(".message")).to_have_text(SECRET)  # not masked: it is private

    # The rep is mailed, and finds it under "Customer replied".
    _run_worker(engine)
    (told,) = [m for m in _mails_to(engine, rep.email) if "replied" in m["subject"]]
    assert told["subject"] == f"Priya J. replied: #{complaint.id} Suitcase never arrived"
    assert SECRET in told["text"] and "(you own it)" in told["text"]
    page.goto(f"/dashboard/{company.slug}")
    page.get_by_role("link", name=re.compile(r"^Customer replied")).click()
    row = page.locator(f'tr[data-complaint="{complaint.id}"]')
    expect(row).to_contain_text("customer replied")
    row.get_by_role("link").click()
    expect(page.locator(".timeline")).to_contain_text(SECRET)

    # Nobody else can find it: page, feed, exports, API, badge, oEmbed.
    public = new_context().new_page()
    ticket = f"{get_settings().base_url}/complaints/{complaint.id}"
    for path in (
        f"/complaints/{complaint.id}",
        f"/complaints/{complaint.id}/feed.atom",
        f"/companies/{company.slug}/feed.atom",
        "/data/complaints.csv",
        "/data/complaints.json",
        f"/api/v1/complaints/{complaint.id}",
        f"/complaints/{complaint.id}/badge.svg",
        f"/complaints/{complaint.id}/card",
        f"/oembed?url={quote(ticket, safe='')}",
    ):
        response = public.request.get(path)
        assert response.status == 200, path
        assert "QX7PLM" not in response.text() and "SK482913" not in response.text(), path
    public.goto(f"/complaints/{complaint.id}")
    expect(public.locator("#turn")).to_contain_text("Waiting for Maple Post")
    expect(public.locator(".private-placeholder")).to_contain_text("A private message")

    # The new and changed pages pass axe at both widths; screenshots to look at.
    shots = Path(os.environ.get("OUTCRY_E2E_SCREENSHOTS") or tmp_path)
    for who, path, name in (
        (consumer, f"/complaints/{complaint.id}", "ticket"),
        (rep, f"/dashboard/{company.slug}?queue=replied", "queue"),
        (None, f"/complaints/{complaint.id}", "public-ticket"),
    ):
        _axe_and_shoot(browser, live_server, who, path, name, shots)
    get_settings.cache_clear()
