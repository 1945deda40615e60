"""DMARC relaxed alignment (RFC 7489 section 3.1.1): a DKIM signature counts for the From
domain only when both share an organisational domain, found with the Public Suffix List that
ships inside the publicsuffixlist package (no network)."""

import socket

import pytest

from app.mailchannel import authenticate
from tests.mailchannel_helpers import Channel, channel, reply, signed

__all__ = ["channel"]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the Public Suffix List must be read from the package, not fetched")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    authenticate._suffixes.cache_clear()


@pytest.mark.parametrize(
    ("signing", "author"),
    [
        ("example.co.uk", "sub.example.co.uk"),
        ("sub.example.co.uk", "example.co.uk"),
        ("mail.example.co.uk", "support.example.co.uk"),
        ("acme.com", "help.eu.acme.com"),
        ("ACME.com.", "acme.com"),
        ("bounces.acme.com.au", "acme.com.au"),
        ("kaisha.co.jp", "support.kaisha.co.jp"),
    ],
)
@pytest.mark.usefixtures("no_network")
def test_a_signature_from_the_same_organisation_is_aligned(signing: str, author: str) -> None:
    assert authenticate.aligned(signing, author)


@pytest.mark.parametrize(
    ("signing", "author", "why"),
    [
        ("co.uk", "example.co.uk", "a public suffix signs for every name under it"),
        ("example.co.uk", "other.co.uk", "two registrants under one public suffix"),
        ("com.au", "acme.com.au", "a second-level public suffix"),
        ("evil.github.io", "acme.github.io", "the list's private section: separate owners"),
        ("mailer.example", "acme.example", "two registrants under an unknown top-level domain"),
        ("acme.com", "acme.com.evil.net", "a look-alike suffix"),
        ("notacme.com", "acme.com", "a look-alike name"),
        ("", "acme.com", "no signing domain"),
    ],
)
@pytest.mark.usefixtures("no_network")
def test_a_signature_from_another_organisation_is_not_aligned(
    signing: str, author: str, why: str
) -> None:
    assert not authenticate.aligned(signing, author), why


@pytest.mark.usefixtures("no_network")
def test_organisational_domains_come_from_the_list() -> None:
    assert authenticate.organisational_domain("a.b.example.co.uk") == "example.co.uk"
    assert authenticate.organisational_domain("www.bbc.co.uk") == "bbc.co.uk"
    assert authenticate.organisational_domain("acme.github.io") == "acme.github.io"
    assert authenticate.organisational_domain("co.uk") is None
    assert authenticate.organisational_domain("") is None


@pytest.mark.parametrize("sender", ["support@eu.acme.test", "support@acme.test"])
def test_a_reply_from_a_subdomain_signed_by_the_company_domain_is_verified(
    channel: Channel, sender: str
) -> None:
    """End to end through dkimpy and the local DNS server: d=acme.test signs for mail from
    support@eu.acme.test (the same organisation), so the answer is published."""
    raw = signed(reply(to="reply+x@mail.outcry.test", sender=sender), channel.company_key)
    domain = sender.rpartition("@")[2]
    verdict = authenticate.check(raw=raw, from_domain=domain, company_domain="acme.test")
    assert verdict.verified, verdict.detail
    assert verdict.detail == f"DKIM pass, d=acme.test aligned with {domain}"
