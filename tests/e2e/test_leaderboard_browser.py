"""The leaderboard in a real browser: at 1,280 px no column is off-screen without a cue, the
company column stays in view while the numbers scroll, and the column chooser works."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from app import demo
from app.stats.jobs import refresh_all
from app.stats.leaderboard import COLUMNS
from tests.e2e.helpers import VIEWPORTS, NewContext

pytestmark = pytest.mark.browser
EVERY_COLUMN = "&".join(f"cols={c.key}" for c in COLUMNS)


@pytest.fixture
def board(live_server: str, engine) -> None:
    with Session(engine) as session:
        demo.load(session=session, complaints_count=60)
        session.commit()
    refresh_all(engine)


def _off_screen(page) -> list[str]:
    """The columns whose header lies outside the scrolling box's visible part."""
    return page.evaluate(
        """() => {
          const box = document.querySelector('.table-scroll').getBoundingClientRect();
          return [...document.querySelectorAll('table.leaderboard th[data-col]')]
            .filter(th => { const r = th.getBoundingClientRect();
                            return r.right > box.right + 1 || r.left < box.left - 1; })
            .map(th => th.dataset.col);
        }"""
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_no_column_is_off_screen_without_a_cue(
    new_context: NewContext, board: None, viewport: str
) -> None:
    page = new_context(**VIEWPORTS[viewport]).new_page()
    page.goto("/leaderboards?window=all&" + EVERY_COLUMN)
    expect(page.locator("table.leaderboard")).to_be_visible()
    hidden = _off_screen(page)
    cue = page.locator("[data-scroll-cue]")
    if hidden:
        expect(cue).to_be_visible()  # the reader is told the table scrolls sideways
    else:
        expect(cue).to_be_hidden()
    # The page itself never scrolls sideways: only the table's own box does.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    company = page.locator("table.leaderboard tbody th[scope=row]").first
    page.locator(".table-scroll").evaluate("box => box.scrollLeft = box.scrollWidth")
    box = page.locator(".table-scroll").bounding_box()
    after = company.bounding_box()
    # Sticky: scrolled to the last column, the company name is still in view.
    assert box["x"] - 1 <= after["x"] and after["x"] + after["width"] <= box["x"] + box["width"]
    assert _off_screen(page) != hidden or not hidden  # scrolling brought hidden columns in
    if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
        page.locator(".table-scroll").evaluate("box => box.scrollLeft = 0")
        page.screenshot(path=Path(folder) / f"leaderboard-every-column-{viewport}.png")


def test_the_default_columns_fit_at_1280_px(new_context: NewContext, board: None) -> None:
    page = new_context(**VIEWPORTS["desktop"]).new_page()
    page.goto("/leaderboards?window=all")
    expect(page.locator("table.leaderboard")).to_be_visible()
    assert _off_screen(page) == []
    expect(page.locator("[data-scroll-cue]")).to_be_hidden()
    if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
        page.screenshot(path=Path(folder) / "leaderboard-default-desktop.png")


def test_the_column_chooser_hides_and_shows_columns(new_context: NewContext, board: None) -> None:
    page = new_context(**VIEWPORTS["desktop"]).new_page()
    page.goto("/leaderboards?window=all")
    page.get_by_text("Columns (").click()
    page.get_by_label("Disputed").uncheck()
    page.get_by_label("Co-signers per complaint").check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator('th[data-col="cosigns"]')).to_be_visible()
    expect(page.locator('th[data-col="dispute"]')).to_have_count(0)
    # Sorting keeps the chosen columns.
    page.get_by_role("link", name="Overdue now").click()
    expect(page.locator('th[data-col="cosigns"]')).to_be_visible()
    expect(page.locator('th[data-col="dispute"]')).to_have_count(0)
