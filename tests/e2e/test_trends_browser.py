"""Trends in a browser, on a phone and on a desktop: the site-wide trends page, an industry's,
and a company's statistics page in a chosen window. Each chart loads as an image beside its
table, nothing spills sideways, and axe-core finds no WCAG 2.2 A or AA violation.
Set ``OUTCRY_E2E_SCREENSHOTS=/some/dir`` to save each page for a human to look at."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from app import demo
from app.models.company import Company
from app.models.complaint import Complaint
from app.stats.jobs import refresh_all
from tests.e2e.helpers import AXE, RUN_AXE, VIEWPORTS, WCAG_TAGS

pytestmark = pytest.mark.browser


@pytest.fixture
def pages(live_server: str, engine: Engine) -> list[str]:
    with Session(engine) as session:
        demo.load(session=session, complaints_count=60)
        session.commit()
    refresh_all(engine)  # the companies' numbers, then the site's trends
    with Session(engine) as session:
        busiest = session.exec(
            select(Complaint.company_id)
            .group_by(Complaint.company_id)
            .order_by(func.count().desc())
        ).first()
        company = session.get(Company, busiest)
        assert company is not None
        return [
            "/trends",
            f"/trends?industry={company.sector}",
            f"/companies/{company.slug}/stats?window=12m",
        ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_trend_pages_fit_load_their_charts_and_pass_axe(
    browser: Browser, live_server: str, pages: list[str], viewport: str
) -> None:
    context = browser.new_context(base_url=live_server, locale="en-GB", **VIEWPORTS[viewport])
    context.add_init_script(AXE)
    page = context.new_page()
    shots = os.environ.get("OUTCRY_E2E_SCREENSHOTS")
    problems: list[str] = []
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        charts = page.locator("section.trend-pair img")
        assert charts.count() == 3, path
        for i in range(3):
            loaded = charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            assert loaded, f"{path}: chart {i} did not load"
        assert page.locator("section.trend-pair table").count() == 3
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            problems.append(f"{path}: {overflow}px wider than the screen")
        problems += [f"{path}: {v}" for v in page.evaluate(RUN_AXE, WCAG_TAGS)]
        if shots:
            name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-")
            page.screenshot(path=str(Path(shots) / f"{name}-{viewport}.png"), full_page=True)
    context.close()
    assert not problems, "\n".join(problems)
