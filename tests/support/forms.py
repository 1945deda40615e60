"""Filling in forms as a browser does: the CSRF token comes from the page that shows the form."""

import re

from fastapi.testclient import TestClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(client: TestClient, path: str) -> str:
    """Open a page as a browser would and take the CSRF token from its form."""
    response = client.get(path)
    match = CSRF_RE.search(response.text)
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def post_form(
    client: TestClient,
    path: str,
    data: dict,
    *,
    page: str | None = None,
    follow_redirects: bool = False,
):
    token = csrf_from(client, page or path)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=follow_redirects)
