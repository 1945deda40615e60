"""/broadcasts in a real browser, at 390 and 1,280 px: complaints' posts, the weekly digest and a
catch-up post, each with its text and a link to where it was posted; axe-core finds no WCAG 2.2
A/AA violation and nothing spills sideways."""

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import Session

from app.clock import utcnow
from app.models.broadcast import Broadcast, BroadcastStatus, BroadcastSummary
from tests.e2e.helpers import AXE, TIMEOUT_MS, VIEWPORTS, page_problems
from tests.support.factories import make_complaint

pytestmark = pytest.mark.browser
POSTS = "https://bsky.app/profile/outcry.example/post"
DIGEST = (
    "Outcry weekly: answering complaints on time, the best was Alpha Air (100% of 5 on time) "
    "and the worst Beta Bank with a name long enough to wrap on a phone (40% of 5 on time), "
    "among companies with at least 5 complaints due. http://testserver/companies"
)
CATCH_UP = (
    "Catching up: 124 complaints reached a milestone while our broadcaster was quiet. Rather "
    "than post each one late, here they all are, still waiting: http://testserver/"
)


def _world(session: Session) -> None:
    now = utcnow()
    complaint = make_complaint(
        session, now=now - timedelta(days=20), broadcast_opt_in=True, title="Charged twice"
    )
    session.add(
        Broadcast(
            complaint_id=complaint.id,
            event="milestone:14",
            network="bluesky",
            days_open=14,
            status=BroadcastStatus.POSTED,
            text="Still unresolved after 14 days: a complaint against Acme, “Charged twice” "
            f"http://testserver/complaints/{complaint.id}",
            link=f"http://testserver/complaints/{complaint.id}",
            remote_url=f"{POSTS}/3milestone",
            created_at=now - timedelta(days=6),
            posted_at=now - timedelta(days=6),
        )
    )
    for kind, text, link, days in (
        ("digest", DIGEST, "http://testserver/companies", 2),
        ("catch-up", CATCH_UP, "http://testserver/", 1),
    ):
        session.add(
            BroadcastSummary(
                key=f"broadcast:{kind}:bluesky",
                network="bluesky",
                kind=kind,
                status=BroadcastStatus.POSTED,
                text=text,
                link=link,
                remote_id=f"at://did:plc:outcry/app.bsky.feed.post/3{kind}",
                remote_url=f"{POSTS}/3{kind}",
                created_at=now - timedelta(days=days),
                posted_at=now - timedelta(days=days),
            )
        )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_broadcasts_lists_the_digest_and_catch_up_posts_and_passes_axe(
    browser: Browser, live_server: str, seed: Callable, viewport: str
) -> None:
    seed(_world)
    context = browser.new_context(base_url=live_server, locale="en-GB", **VIEWPORTS[viewport])
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(script=AXE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        assert page_problems(page, "/broadcasts", 200, errors) == []
        items = page.locator("ol.broadcasts > li")
        expect(items).to_have_count(3)  # newest first: the catch-up, the digest, the milestone
        expect(items.nth(0)).to_contain_text("Catch-up post")
        expect(items.nth(0)).to_contain_text("Catching up: 124 complaints")
        expect(items.nth(1)).to_contain_text("Weekly digest")
        expect(items.nth(1)).to_contain_text("the best was Alpha Air (100% of 5 on time)")
        expect(items.nth(2)).to_contain_text("Still unresolved after 14 days")
        for n, slug in enumerate(("3catch-up", "3digest", "3milestone")):
            link = items.nth(n).get_by_role("link", name="view the post")
            expect(link).to_have_attribute("href", f"{POSTS}/{slug}")
        expect(items.nth(1).get_by_role("link", name="Every company's numbers")).to_be_visible()
        if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
            page.screenshot(path=Path(folder) / f"broadcasts-{viewport}.png", full_page=True)
    finally:
        context.close()
