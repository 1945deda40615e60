"""A company's mark (initials on a colour from its name) is the same wherever it is shown."""

import re

from app.web.identity import HUES, hue, initials
from tests.support.factories import make_complaint


def _marks(html: str) -> set[tuple[str, str]]:
    return set(re.findall(r'class="avatar hue-(\d)[^"]*" aria-hidden="true">([^<]+)<', html))


def test_initials_come_from_the_first_two_words() -> None:
    assert initials("Tidewater Cable") == "TC"
    assert initials("Comcast") == "CO"
    assert initials("  ") == "?"
    assert initials("Ørsted & Søn") == "ØS"


def test_the_colour_depends_on_the_name_only() -> None:
    assert hue("Maple Post") == hue(" maple post ")
    assert {hue(f"Company {n}") for n in range(200)} == set(range(HUES))


def test_the_company_page_the_ticket_and_the_home_page_show_one_mark(client, db) -> None:
    complaint = make_complaint(db, company_name="Tidewater Cable", title="Line dead for a week")
    mark = (str(hue("Tidewater Cable")), "TC")
    assert _marks(client.get("/").text) == {mark}
    assert _marks(client.get(f"/complaints/{complaint.id}").text) == {mark}
    assert mark in _marks(client.get("/companies/tidewater-cable").text)
