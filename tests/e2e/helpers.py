"""What a person does in the browser, in a few reusable steps."""

from playwright.sync_api import Page, expect

from app.models.user import User
from tests.factories import PASSWORD


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
