"""What a person does in the browser, in a few reusable steps."""

import asyncio
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import (
    BrowserContext,
    Page,
    expect,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from app.models.user import User
from tests.support.factories import PASSWORD


def log_in(page: Page, user: User, password: str = PASSWORD, next_path: str = "/") -> None:
    """Log in through the form and wait until the page says who is logged in."""
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("button", name=f"Log out ({user.display_name})", include_hidden=True)
    ).to_be_attached()  # in the account menu


def fill_complaint(
    page: Page,
    *,
    company: str | None = "Northwind Telecom",
    title: str = "Charged twice for March",
    category: str = "Billing",
    body: str = "My card was charged twice for the March bill and nobody will refund it.",
) -> None:
    """Fill the filing form's required fields (the company only when given)."""
    if company is not None:
        page.get_by_label("Company name").fill(company)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Category").select_option(label=category)
    page.get_by_label("What happened", exact=True).fill(body)


TIMEOUT_MS = 10_000


NewContext = Callable[..., BrowserContext]


class Latency:
    """Wraps the app so a test can make form posts slow, as on a bad mobile connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.post_delay = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.post_delay and scope["type"] == "http" and scope["method"] == "POST":
            await asyncio.sleep(self.post_delay)
        await self.app(scope, receive, send)


AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}}).then(r =>
  r.violations.map(v => v.id + " (" + v.impact + "): " + v.help + " at " +
    v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))"""


def page_problems(page: Page, path: str, status: int, errors: list[str]) -> list[str]:
    errors.clear()
    response = page.goto(path)
    found = []
    if response is None or response.status != status:
        found.append(f"answered {response and response.status}, not {status}")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(f"{overflow}px wider than the screen")
    found += page.evaluate(RUN_AXE, WCAG_TAGS)
    found += errors
    return found


VIEWPORTS = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
