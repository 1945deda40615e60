"""Setting up: links follow the served address in development, logs a person can read."""

import os
from collections.abc import Iterator

import pytest

from app.claims.verifier import WELL_KNOWN_PATH, verifier_for
from app.cli import follow_served_address
from app.config import Settings, get_settings
from app.net import public_only
from tests.support.dns_https_servers import Reply


@pytest.fixture
def development(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "development")
    monkeypatch.delenv("OUTCRY_BASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_unset_base_url_follows_the_served_port_in_development(development):
    assert follow_served_address("127.0.0.1", 8101) == "http://127.0.0.1:8101"
    assert get_settings().base_url == "http://127.0.0.1:8101"
    assert os.environ["OUTCRY_BASE_URL"] == "http://127.0.0.1:8101"  # for uvicorn's workers

    from app.complaints.public import complaint_url

    assert complaint_url(7) == "http://127.0.0.1:8101/complaints/7"


def test_a_wildcard_host_is_linked_as_loopback(development):
    assert follow_served_address("0.0.0.0", 8102) == "http://127.0.0.1:8102"  # noqa: S104


def test_a_base_url_the_operator_set_is_kept(development, monkeypatch):
    monkeypatch.setenv("OUTCRY_BASE_URL", "https://outcry.example")
    get_settings.cache_clear()

    assert follow_served_address("127.0.0.1", 8101) is None
    assert get_settings().base_url == "https://outcry.example"


def test_production_never_guesses_its_address(monkeypatch):
    monkeypatch.setenv("OUTCRY_ENVIRONMENT", "production")
    monkeypatch.delenv("OUTCRY_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert follow_served_address("127.0.0.1", 8101) is None
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_logs_are_plain_at_a_terminal_in_development_and_json_elsewhere():
    dev = Settings(environment="development")
    prod = Settings(environment="production", secret_key="x" * 32)

    assert dev.json_logs(terminal=True) is False
    assert dev.json_logs(terminal=False) is True  # piped to a collector
    assert prod.json_logs(terminal=True) is True
    assert Settings(environment="development", log_json=True).json_logs(terminal=True) is True


# Claims against local servers in development -------------------------------------------------


def test_development_verifies_dns_and_well_known_claims_against_local_servers(local_net, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(local_net.https.ca.cert_pem.bytes())
    settings = Settings(
        environment="development",
        dev_claim_dns=f"127.0.0.1:{local_net.dns.port}",
        dev_claim_https_port=local_net.https.port,
        dev_claim_ca_file=str(ca),
    )
    local_net.dns.records["acme.test"] = {
        "A": ["127.0.0.1"],
        "TXT": ["outcry-verification=tok-1"],
    }
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, "tok-1\n")
    verifier = verifier_for(settings)

    dns_proof = verifier.check_dns(domain="acme.test", token="tok-1")
    file_proof = verifier.check_well_known(domain="acme.test", token="tok-1")

    assert dns_proof.ok, dns_proof.reason
    assert file_proof.ok, file_proof.reason


def test_without_overrides_claims_use_real_dns_port_443_and_public_addresses():
    verifier = verifier_for(Settings(environment="development"))
    assert verifier.https_port == 443
    assert verifier.policy is public_only


def test_production_refuses_to_start_with_the_development_claim_overrides():
    with pytest.raises(ValueError, match="development only"):
        Settings(environment="production", secret_key="x" * 32, dev_claim_dns="127.0.0.1:5353")
    with pytest.raises(ValueError, match="development only"):
        Settings(environment="production", secret_key="x" * 32, dev_claim_https_port=8443)
