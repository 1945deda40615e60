"""/api/docs really renders in Chromium: the vendored Swagger UI reads the OpenAPI 3.1 schema,
lists every API operation and the webhooks, and logs no error."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.main import create_app

pytestmark = pytest.mark.browser


def test_docs_render_every_operation_without_console_errors(page: Page, live_server: str):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server}/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Outcry API")
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)

    schema = create_app().openapi()
    operations = [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]
    assert len(operations) >= 15
    for method, path in operations:
        block = page.locator(f".opblock-{method.lower()}").filter(
            has=page.locator(f'[data-path="{path}"]')
        )
        expect(block, f"{method} {path}").to_have_count(1)
    # The webhooks section, with the signature-checking recipe behind each.
    for event in ("complaint.created", "complaint.updated", "message.created"):
        expect(page.locator(f'.opblock-post [data-path="{event}"]')).to_have_count(1)
    # Nothing but the API: no pages, forms, /dev or /admin.
    shown = page.locator(".opblock-summary-path").all_inner_texts()
    assert all(re.sub(r"\u200b", "", p).startswith("/api/v1/") or "." in p for p in shown), shown
    page.locator('.opblock-post [data-path="message.created"]').first.click()
    expect(page.get_by_text("hmac.compare_digest").first).to_be_visible()
    if folder := os.environ.get("OUTCRY_E2E_SCREENSHOTS"):
        page.screenshot(path=Path(folder) / "api-docs-webhook-1280.png")
    assert problems == []
