"""Outbound addresses: webhook registration refuses every spelling of an internal host with one
message that says nothing about what a name resolves to, and the Bluesky handle's HTTPS step
connects to the address it checked (no second lookup to rebind)."""

import socket

import httpx
import pytest

from app.companies import profile
from app.integrations import webhooks
from app.net import UnsafeAddress, resolve_checked

INTERNAL = [
    "https://localhost:8450/hook",
    "https://localhost./hook",
    "https://api.localhost/hook",
    "https://2130706433/hook",
    "https://0177.0.0.1/hook",
    "https://0x7f.0.0.1/hook",
    "https://127.1/hook",
    "https://0x7f000001/hook",
    "https://127.0.0.1./hook",
    "https://intranet/hook",
    "https://helpdesk./hook",
    "https://printer.local/hook",
    "https://jira.internal/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://10.0.0.7/hook",
]


@pytest.fixture
def production(monkeypatch):
    settings = webhooks.get_settings().model_copy(update={"environment": "production"})
    monkeypatch.setattr(webhooks, "get_settings", lambda: settings)


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_hosts_are_refused_at_registration(production, monkeypatch, url) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("looked up"))
    with pytest.raises(webhooks.InvalidWebhook) as refused:
        webhooks.check_url(url)
    assert refused.value.detail == webhooks.NOT_PUBLIC


def test_public_hosts_are_still_accepted(production) -> None:
    for url in ("https://helpdesk.example.com/x", "https://8.8.8.8/x", "https://hooks.acme.io."):
        assert webhooks.check_url(url) == url


def test_a_refused_delivery_never_names_the_address(monkeypatch) -> None:
    def answers(address):
        return lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 443))]

    monkeypatch.setattr(socket, "getaddrinfo", answers("10.1.2.3"))
    with pytest.raises(UnsafeAddress) as private:
        resolve_checked("jira.corp.example", 443)
    assert "10.1.2.3" not in str(private.value)

    def unknown(*a, **k):
        raise socket.gaierror("no such name")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    with pytest.raises(UnsafeAddress) as missing:
        resolve_checked("nothing.corp.example", 443)
    # Unknown and private read alike: the message maps nothing.
    assert str(missing.value).replace("nothing", "jira") == str(private.value)


def test_the_bluesky_https_step_connects_to_the_checked_address(monkeypatch) -> None:
    from atproto_identity.handle.resolver import HandleResolver

    lookups = []

    def checked(host: str, port: int) -> str:
        lookups.append(host)
        return "203.0.113.7"

    sent: list[httpx.Request] = []

    def transport(self, request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, text="did:plc:acme123\n")

    monkeypatch.setattr(HandleResolver, "resolve_dns", lambda self, h: None)
    monkeypatch.setattr(HandleResolver, "resolve_http", lambda self, h: pytest.fail("2nd lookup"))
    monkeypatch.setattr(profile, "resolve_checked", checked)  # the name profile calls
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("resolved again"))
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", transport)

    assert profile.resolve_with_atproto("acme.example") == "did:plc:acme123"
    assert lookups == ["acme.example"]
    (request,) = sent
    assert request.url.host == "203.0.113.7"
    assert request.url.path == "/.well-known/atproto-did"
    assert request.headers["host"] == "acme.example"
    assert request.extensions["sni_hostname"] == "acme.example"
