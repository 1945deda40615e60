"""The company statistics page's window and category selectors: the choice is in the URL (so a
journalist can cite it), the numbers, charts and tables follow it, and validators stay right."""

import re
from datetime import timedelta

from sqlmodel import Session

from app.clock import utcnow
from app.models.complaint import Category, ComplaintState
from app.stats import aggregates
from tests.support.charts_fixtures import complaint_at

D = timedelta(days=1)


def _company(db: Session) -> int:
    now = utcnow()
    old = complaint_at(db, company="Viewco", created=now - 200 * D, answered_after=1 * D,
                       state=ComplaintState.ANSWERED, category=Category.BILLING)  # fmt: skip
    complaint_at(db, company="Viewco", created=now - 20 * D, answered_after=3 * D,
                 state=ComplaintState.ANSWERED, category=Category.BILLING)  # fmt: skip
    complaint_at(db, company="Viewco", created=now - 10 * D, category=Category.REFUND)
    aggregates.refresh_company(session=db, company_id=old.company_id)
    db.commit()
    return old.company_id


def _counted(html: str) -> str:
    found = re.search(r"From (\d+) complaints?", html)
    assert found
    return found.group(1)


def test_window_and_category_choose_the_complaints_counted(client, db: Session) -> None:
    _company(db)
    everything = client.get("/companies/viewco/stats").text
    assert _counted(everything) == "3"
    assert "Showing complaints filed in the <strong>all time, every category</strong>" in everything
    recent = client.get("/companies/viewco/stats?window=90d").text
    assert _counted(recent) == "2"
    assert '<option value="90d" selected>' in recent
    assert "<strong>last 90 days, every category</strong>" in recent
    billing = client.get("/companies/viewco/stats", params={"window": "90d", "category": "billing"})
    assert _counted(billing.text) == "1"
    assert "<strong>3 days</strong> median time to a first response" in billing.text
    assert '<option value="billing" selected>' in billing.text
    # Every chart of the view, and its embed snippet, carries the view.
    for name in ("monthly", "response", "trend_rates", "trend_response"):
        assert (
            f"/companies/viewco/charts/{name}.svg?window=90d&amp;category=billing" in billing.text
        )
    # 90 days: four months of trends (three tables beside three charts).
    assert billing.text.count("<tr data-month=") == 3 * 4


def test_a_view_that_does_not_exist_is_refused(client, db: Session) -> None:
    _company(db)
    assert client.get("/companies/viewco/stats?window=30d").status_code == 400
    assert client.get("/companies/viewco/stats?category=weather").status_code == 400
    assert client.get("/companies/viewco/charts/monthly.svg?window=7y").status_code == 400


def test_each_view_has_its_own_validator_that_moves_with_a_new_complaint(client, db) -> None:
    company_id = _company(db)
    default = client.get("/companies/viewco/stats")
    recent = client.get("/companies/viewco/stats?window=90d")
    assert default.headers["etag"] != recent.headers["etag"]
    again = client.get(
        "/companies/viewco/stats?window=90d", headers={"If-None-Match": recent.headers["etag"]}
    )
    assert again.status_code == 304
    chart = client.get("/companies/viewco/charts/trend_counts.svg?window=90d")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert (
        chart.headers["etag"]
        != client.get("/companies/viewco/charts/trend_counts.svg").headers["etag"]
    )
    complaint_at(db, company="Viewco", created=utcnow() - D, category=Category.REFUND)
    db.commit()
    moved = client.get(
        "/companies/viewco/stats?window=90d", headers={"If-None-Match": recent.headers["etag"]}
    )
    assert moved.status_code == 200 and _counted(moved.text) == "3"
    assert company_id
