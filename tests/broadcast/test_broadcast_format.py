"""Shaping posts for each network: limits, shortening, link and mention spans (no I/O)."""

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from app.broadcast.base import Link, Mention, PermanentError, Post
from app.broadcast.bluesky import BlueskyAdapter, rkey_for
from app.broadcast.layout import graphemes, shorten
from app.broadcast.mastodon import MastodonAdapter

BLUESKY = BlueskyAdapter(service_url="http://127.0.0.1:9", handle="outcry.test", app_password="x")
MASTODON = MastodonAdapter(base_url="http://127.0.0.1:9", access_token="x")
URL = "https://outcry.example/complaints/4821"
TEMPLATE = "Still unresolved after 14 days: “{title}” against {mention}. {link}"

# Text people really type, and text that breaks naive counting.
HARD = [
    "👨‍👩‍👧‍👦",  # one grapheme, 25 bytes
    "🇫🇷🇧🇷",
    "👍🏽",
    "e\u0301",  # é as e + combining acute
    "a" + "\u0300\u0301\u0302\u0303" * 12,  # zalgo: one grapheme, many bytes
    "שלום עולם",  # Hebrew, right to left
    "مرحبا بالعالم",  # Arabic
    "\u200f\u202e",  # right-to-left mark and override
    "Crème brûlée",
    "@someone@evil.example",
    "https://spam.example/x",
    "{title}{link}{mention}",  # placeholders inside user text must stay text
    " ",
    "\n",
]
human_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(HARD)), max_size=40).map(
    "".join
)
label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True)
bluesky_handle = (
    st.lists(label, min_size=2, max_size=8).map(".".join).filter(lambda h: len(h) <= 253)
)
mastodon_account = st.builds(
    "{}@{}".format, st.from_regex(r"[A-Za-z0-9_]{1,30}", fullmatch=True), bluesky_handle
)
link_url = st.builds("https://outcry.example/complaints/{}".format, st.integers(1, 10**12))


def mastodon_length(text: str) -> int:
    """Mastodon's own rule (StatusLengthValidator): graphemes, any URL as 23, a remote mention
    as its local part only."""
    text = re.sub(r"https?://\S+", "x" * 23, text)
    text = re.sub(r"@(\w+)@[\w.-]+", r"@\1", text)
    return len(graphemes(text))


def complaint_post(title: str, name: str, accounts: dict[str, str], url: str = URL) -> Post:
    return Post(
        text=TEMPLATE,
        record_key="c1-m14",
        title=title,
        link=Link(url, title="A complaint"),
        mentions=(Mention(name, accounts),),
    )


def spans_slice_exactly(text: str, spans, expected: dict[str, str]) -> None:
    encoded = text.encode()
    for span in spans:
        sliced = encoded[span.start : span.end].decode()
        assert sliced == expected[span.kind], (span, text)


@settings(max_examples=300, deadline=None)
@given(title=human_text, name=human_text.filter(str.strip), handle=bluesky_handle, url=link_url)
def test_any_bluesky_post_fits_and_its_facets_slice_exactly(title, name, handle, url) -> None:
    rendered = BLUESKY.format(complaint_post(title, name, {"bluesky": handle}, url))

    assert len(graphemes(rendered.text)) <= 300
    assert len(rendered.text.encode()) <= 3000
    kinds = [span.kind for span in rendered.spans]
    assert "link" in kinds  # the link is never dropped nor cut
    spans_slice_exactly(rendered.text, rendered.spans, {"link": url, "mention": f"@{handle}"})


@settings(max_examples=300, deadline=None)
@given(title=human_text, name=human_text.filter(str.strip), account=mastodon_account, url=link_url)
def test_any_mastodon_post_fits_500_with_urls_as_23(title, name, account, url) -> None:
    rendered = MASTODON.format(complaint_post(title, name, {"mastodon": account}, url))

    assert mastodon_length(rendered.text) <= 500
    assert url in rendered.text
    # Only the company's mention may carry a real "@": users' text cannot notify anyone.
    assert "@" not in rendered.text.replace(f"@{account}", "")


def test_a_short_post_is_left_alone() -> None:
    rendered = BLUESKY.format(complaint_post("Refund refused 🇫🇷", "Acme", {"bluesky": "acme.test"}))

    assert rendered.text == (
        "Still unresolved after 14 days: “Refund refused 🇫🇷” against @acme.test. " + URL
    )


def test_a_long_title_is_cut_with_an_ellipsis_to_exactly_the_limit() -> None:
    rendered = BLUESKY.format(complaint_post("é" * 1000, "Acme", {"bluesky": "acme.test"}))

    assert len(graphemes(rendered.text)) == 300
    assert "é…”" in rendered.text
    assert rendered.text.endswith(f"against @acme.test. {URL}")


def test_graphemes_are_counted_as_people_see_them_not_as_code_points() -> None:
    thumb = "👍🏽"
    rendered = BLUESKY.format(complaint_post(thumb * 400, "Acme", {"bluesky": "acme.test"}))

    assert len(thumb) == 2 and len(graphemes(thumb)) == 1
    assert rendered.text.count(thumb) > 200  # counting code points would have allowed ~115
    assert len(graphemes(rendered.text)) == 300


def test_bluesky_byte_cap_shortens_titles_of_heavy_graphemes() -> None:
    family = "👨‍👩‍👧‍👦"  # one grapheme, 25 bytes
    rendered = BLUESKY.format(complaint_post(family * 400, "Acme", {"bluesky": "acme.test"}))

    assert len(graphemes(rendered.text)) < 300  # the 3000 bytes ran out first…
    assert 3000 - 25 < len(rendered.text.encode()) <= 3000  # …and were used up


def test_mastodon_counts_a_long_link_as_23_characters() -> None:
    long_url = "https://outcry.example/complaints/" + "9" * 300
    rendered = MASTODON.format(
        complaint_post("x" * 1000, "Acme", {"mastodon": "acme@mastodon.social"}, long_url)
    )

    assert long_url in rendered.text
    assert len(rendered.text) > 500  # more characters than Mastodon's limit…
    assert mastodon_length(rendered.text) <= 500  # …and still within it, as Mastodon counts


def test_mastodon_title_cannot_mention_anyone() -> None:
    rendered = MASTODON.format(complaint_post("Ask @boss@evil.example", "Acme", {}))

    assert "@boss" not in rendered.text
    assert "\uff20boss\uff20evil.example" in rendered.text  # FULLWIDTH COMMERCIAL AT


def test_a_network_without_an_account_gets_the_plain_company_name() -> None:
    post = complaint_post("Late", "Acme Widgets", {"bluesky": "acme.test"})

    assert "against Acme Widgets." in MASTODON.format(post).text
    assert [s.kind for s in MASTODON.format(post).spans] == ["link"]
    assert [s.kind for s in BLUESKY.format(post).spans] == ["mention", "link"]


def test_a_handle_too_long_to_fit_becomes_the_company_name() -> None:
    handle = ".".join(["a" * 63] * 3) + ".test"  # 196 characters
    long_url = "https://outcry.example/complaints/" + "1" * 80
    rendered = BLUESKY.format(complaint_post("Late", "Acme", {"bluesky": handle}, long_url))

    assert handle not in rendered.text
    assert "against Acme." in rendered.text
    assert len(graphemes(rendered.text)) <= 300


def test_fixed_text_that_cannot_fit_is_a_permanent_error() -> None:
    post = Post(text="x" * 301, record_key="k")

    with pytest.raises(PermanentError, match="cannot fit"):
        BLUESKY.format(post)


@pytest.mark.parametrize(
    ("text", "kwargs"),
    [
        ("no link here", {"link": Link(URL)}),
        ("{link} {link}", {"link": Link(URL)}),
        ("{mention}", {}),
        ("no title", {"title": "A title"}),
        ("{title}", {"record_key": " "}),
    ],
)
def test_a_post_whose_placeholders_do_not_match_is_refused(text, kwargs) -> None:
    with pytest.raises(ValueError):
        Post(text=text, **{"record_key": "k", **kwargs})


def test_shorten_marks_the_cut() -> None:
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"
    assert shorten("🇫🇷🇧🇷🇩🇪", 2) == "🇫🇷…"


TID = regex.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


@given(st.text(min_size=1), st.text(min_size=1))
def test_record_keys_become_valid_stable_distinct_tids(key, other) -> None:
    assert TID.match(rkey_for(key))
    assert rkey_for(key) == rkey_for(key)
    if key != other:
        assert rkey_for(key) != rkey_for(other)
