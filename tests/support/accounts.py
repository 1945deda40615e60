"""Signing in as a browser sees it: the name in the site header, a browser replaying a cookie."""

import re
from html import unescape

from fastapi.testclient import TestClient

from app.web.sessions import cookie_name


def signed_in_name(client: TestClient) -> str | None:
    """The display name the header shows on the home page, or None for a logged-out visitor."""
    match = re.search(r"Log out \(([^)]*)\)", site_header(client.get("/").text))
    return unescape(match.group(1)) if match else None


def browser_with(web_app, token: str) -> TestClient:
    """A fresh browser that replays a stolen or old login cookie."""
    return TestClient(web_app, raise_server_exceptions=False, cookies={cookie_name(): token})


def site_header(html: str) -> str:
    match = re.search(r'<header class="site">(.*?)</header>', html, re.S)
    assert match, "the page has no site header"
    return match.group(1)
