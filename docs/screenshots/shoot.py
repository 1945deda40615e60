"""Screenshot every page type of a running Outcry with demo data, at phone and desktop widths.

    .venv/bin/python docs/screenshots/shoot.py http://127.0.0.1:8101 docs/screenshots/after [name…]

Needs the demo data (``outcry demo``) and an admin ``admin@demo.example`` with the demo password.
Screenshots are full-page PNGs, cut at 4,000 CSS px so the folder stays small.
"""

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

PASSWORD = "demo-password-1"  # noqa: S105 - the documented demo accounts
WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
MAX_HEIGHT = 4000

# (who, name, path): who is None (anonymous) or the demo account to sign in as
PAGES = [
    (None, "home", "/"),
    (None, "companies", "/companies"),
    (None, "company", "/companies/maple-post"),
    (None, "company-stats", "/companies/maple-post/stats"),
    (None, "systemic-issue", "/companies/maple-post/issues/1"),
    (None, "complaint-open", "/complaints/399"),
    (None, "complaint-confirmed", "/complaints/5"),
    (None, "search", "/search?q=refund"),
    (None, "leaderboards", "/leaderboards"),
    (None, "snapshot", "/leaderboards/2026-11"),
    (None, "methodology", "/methodology"),
    (None, "broadcasts", "/broadcasts"),
    (None, "login", "/login"),
    (None, "signup", "/signup"),
    (None, "forgot", "/account/forgot"),
    (None, "takedown", "/takedown/new"),
    (None, "not-found", "/no-such-page"),
    (None, "dev-mail", "/dev/mail"),
    (None, "about", "/about"),
    (None, "privacy", "/privacy"),
    (None, "signup-sent", "/signup/sent"),
    (None, "login-link", "/login/link"),
    ("consumer34@demo.example", "file-complaint", "/complaints/new"),
    ("consumer34@demo.example", "complaint-author", "/complaints/10"),
    ("consumer34@demo.example", "my-complaints", "/me/complaints"),
    ("consumer34@demo.example", "settings", "/me/settings"),
    ("consumer34@demo.example", "account", "/me/account"),
    ("consumer34@demo.example", "claim", "/companies/atlas-rail/claim"),
    ("rep0@demo.example", "dashboard-queue", "/dashboard/maple-post"),
    ("rep0@demo.example", "dashboard-complaint", "/dashboard/maple-post/complaints/399"),
    ("rep0@demo.example", "dashboard-members", "/dashboard/maple-post/members"),
    ("rep0@demo.example", "dashboard-profile", "/dashboard/maple-post/profile"),
    ("rep0@demo.example", "dashboard-integrations", "/dashboard/maple-post/integrations"),
    ("rep0@demo.example", "dashboard-saved-replies", "/dashboard/maple-post/saved-replies"),
    ("admin@demo.example", "admin", "/admin"),
    ("admin@demo.example", "admin-claims", "/admin/claims"),
    ("admin@demo.example", "admin-jobs", "/admin/jobs"),
    ("admin@demo.example", "admin-companies", "/admin/companies"),
    ("admin@demo.example", "moderation", "/moderation"),
    ("admin@demo.example", "moderation-complaint", "/moderation/complaints/399"),
    ("admin@demo.example", "legal-notices", "/moderation/notices"),
]


def log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def main(base_url: str, folder: Path, only: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for width, viewport in WIDTHS.items():
            contexts: dict[str | None, Page] = {}
            for who, name, path in PAGES:
                if only and name not in only:
                    continue
                if who not in contexts:
                    context = browser.new_context(base_url=base_url, viewport=viewport)
                    contexts[who] = context.new_page()
                    if who:
                        log_in(contexts[who], who)
                page = contexts[who]
                page.goto(path)
                height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
                page.screenshot(
                    path=folder / f"{name}-{width}.png",
                    clip={"x": 0, "y": 0, "width": viewport["width"], "height": height},
                    full_page=True,
                )
                print(name, width, flush=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])
