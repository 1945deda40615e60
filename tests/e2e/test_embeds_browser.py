"""Another site embeds a complaint card (oEmbed's iframe), a badge and a chart: the browser
really shows them, which the default `frame-ancestors 'none'` would forbid."""

import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import expect

from app.models.company import Company
from tests.e2e.helpers import NewContext
from tests.support.factories import make_complaint

pytestmark = pytest.mark.browser


@pytest.fixture
def other_site() -> Iterator[Callable[[str], str]]:
    """``publish(html)`` serves ``html`` from another origin (another loopback port, so that
    Chromium's local-network checks, which a public blog would meet too, stay out of the way)."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        pages["/post"] = html.encode()
        return f"http://127.0.0.1:{server.server_port}/post"

    yield publish
    server.shutdown()
    server.server_close()


def test_another_site_shows_the_card_badge_and_chart(
    new_context: NewContext,
    seed: Callable,
    comcast: Company,
    live_server: str,
    other_site: Callable[[str], str],
) -> None:
    complaint = seed(
        lambda s: make_complaint(
            s, title="Internet down for nine days", company_name="Comcast", accept_new_company=False
        )
    )
    url = f"http://testserver/complaints/{complaint.id}"  # the app's configured public address
    with urllib.request.urlopen(  # noqa: S310 - our own live server
        f"{live_server}/oembed?url={url}&format=json"
    ) as response:
        iframe = json.load(response)["html"].replace("http://testserver", live_server)
    blog_post = other_site(
        "<!doctype html><html><body><h1>A blog</h1>"
        f"{iframe}"
        f'<img id="badge" src="{live_server}/complaints/{complaint.id}/badge.svg" alt="badge">'
        f'<img id="chart" src="{live_server}/companies/comcast/charts/monthly.svg" alt="chart">'
        "</body></html>"
    )
    page = new_context().new_page()
    page.goto(blog_post)
    card = page.frame_locator("iframe")
    expect(card.get_by_role("heading", level=1)).to_have_text("Internet down for nine days")
    for image in ("#badge", "#chart"):
        page.wait_for_function(
            f"document.querySelector('{image}').complete"
            f" && document.querySelector('{image}').naturalWidth > 0"
        )
