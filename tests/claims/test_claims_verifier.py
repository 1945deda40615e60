"""The domain verifier against real local DNS and HTTPS servers (no patched functions)."""

import socket

import pytest

from app.claims.freemail import is_free_mail
from app.claims.verifier import WELL_KNOWN_PATH, Verifier
from tests.support import dns_https_servers as servers
from tests.support.dns_https_servers import LocalNet, Reply

TOKEN = "tok-123"


def verifier_for(net: LocalNet, *, tls: bool = True, **overrides) -> Verifier:
    web = net.https if tls else net.http
    options = {
        "resolver": net.dns.resolver(),
        "https_port": web.port,
        "tls": net.https.client_context(),
        "policy": servers.allow_loopback,
        "timeout": 3.0,
        **overrides,
    }
    return Verifier(**options)


def publish(net: LocalNet, domain: str = "acme.test", *, txt: list[str] | None = None) -> None:
    net.dns.records[domain] = {"A": ["127.0.0.1"], "TXT": txt or []}


# DNS ------------------------------------------------------------------------------------------


def test_dns_record_with_the_token_proves_the_domain(local_net):
    publish(local_net, txt=["v=spf1 -all", f"outcry-verification={TOKEN}"])
    proof = verifier_for(local_net).check_dns(domain="acme.test", token=TOKEN)
    assert proof.ok, proof.reason
    assert ("acme.test", "TXT") in local_net.dns.queries


def test_dns_record_with_another_token_is_refused_and_says_so(local_net):
    publish(local_net, txt=["outcry-verification=someone-elses"])
    proof = verifier_for(local_net).check_dns(domain="acme.test", token=TOKEN)
    assert not proof.ok and proof.conclusive
    assert "different token" in proof.reason
    assert f"outcry-verification={TOKEN}" in proof.reason


def test_no_txt_record_and_no_domain_are_refused(local_net):
    publish(local_net, txt=[])
    verifier = verifier_for(local_net)
    missing = verifier.check_dns(domain="acme.test", token=TOKEN)
    assert not missing.ok and "no TXT record" in missing.reason
    unknown = verifier.check_dns(domain="nowhere.test", token=TOKEN)
    assert not unknown.ok and "does not exist" in unknown.reason


def test_a_dns_server_that_does_not_answer_is_inconclusive(local_net):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # bound, never answers
        resolver = local_net.dns.resolver(lifetime=0.3)
        resolver.port = silent.getsockname()[1]
        proof = verifier_for(local_net, resolver=resolver).check_dns(
            domain="acme.test", token=TOKEN
        )
    assert not proof.ok and not proof.conclusive


# The well-known file --------------------------------------------------------------------------


def test_https_file_with_the_token_proves_the_domain_over_sni(local_net):
    publish(local_net)
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, TOKEN + "\n")
    proof = verifier_for(local_net).check_well_known(domain="acme.test", token=TOKEN)
    assert proof.ok, proof.reason
    # Connected to the resolved IP, but the TLS name and Host header are the domain's.
    [seen] = local_net.https.requests
    assert (seen.path, seen.host, seen.sni) == (WELL_KNOWN_PATH, "acme.test", "acme.test")


def test_https_file_with_a_wrong_token_is_refused(local_net):
    publish(local_net)
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, "not-the-token")
    proof = verifier_for(local_net).check_well_known(domain="acme.test", token=TOKEN)
    assert not proof.ok and "does not contain this claim's token" in proof.reason


def test_a_redirect_is_refused_and_not_followed(local_net):
    publish(local_net)
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(
        301, "", {"Location": "https://acme.test/elsewhere.txt"}
    )
    local_net.https.routes["/elsewhere.txt"] = Reply(200, TOKEN)
    proof = verifier_for(local_net).check_well_known(domain="acme.test", token=TOKEN)
    assert not proof.ok and "redirect" in proof.reason
    assert [r.path for r in local_net.https.requests] == [WELL_KNOWN_PATH]


def test_plain_http_is_refused(local_net):
    publish(local_net)
    local_net.http.routes[WELL_KNOWN_PATH] = Reply(200, TOKEN)
    proof = verifier_for(local_net, tls=False).check_well_known(domain="acme.test", token=TOKEN)
    assert not proof.ok and proof.conclusive
    assert "did not answer over HTTPS" in proof.reason


def test_a_certificate_for_another_name_is_refused(local_net):
    publish(local_net, "other.invalid")
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, TOKEN)
    proof = verifier_for(local_net).check_well_known(domain="other.invalid", token=TOKEN)
    assert not proof.ok and "valid certificate" in proof.reason


def test_a_missing_file_and_an_oversized_file_are_refused(local_net):
    publish(local_net)
    verifier = verifier_for(local_net)
    missing = verifier.check_well_known(domain="acme.test", token=TOKEN)
    assert not missing.ok and "HTTP 404" in missing.reason
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, TOKEN + "\n" + "x" * 5000)
    big = verifier.check_well_known(domain="acme.test", token=TOKEN)
    assert not big.ok and "larger than" in big.reason


# The address policy (SSRF) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["10.1.2.3"], ["192.168.1.20"], ["169.254.169.254"], ["8.8.8.8", "127.0.0.1"]],
)
def test_default_policy_refuses_private_addresses_without_connecting(local_net, addresses):
    local_net.dns.records["acme.test"] = {"A": addresses}
    local_net.https.routes[WELL_KNOWN_PATH] = Reply(200, TOKEN)
    default_policy = verifier_for(local_net, policy=Verifier().policy)
    proof = default_policy.check_well_known(domain="acme.test", token=TOKEN)
    assert not proof.ok
    assert "private, loopback or link-local" in proof.reason
    assert local_net.https.requests == []  # refused before any connection


def test_default_policy_refuses_loopback_ipv6(local_net):
    local_net.dns.records["acme.test"] = {"AAAA": ["::1"]}
    proof = verifier_for(local_net, policy=Verifier().policy).check_well_known(
        domain="acme.test", token=TOKEN
    )
    assert not proof.ok and "::1" in proof.reason


def test_production_defaults():
    verifier = Verifier()
    assert verifier.https_port == 443
    assert verifier.policy.__name__ == "public_only"
    assert verifier.tls.verify_mode.name == "CERT_REQUIRED" and verifier.tls.check_hostname


# Free-mail domains ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "domain",
    ["gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.fr", "outlook.com",
     "gmx.de", "yandex.ru", "proton.me", "icloud.com", "mail.ru"],
)  # fmt: skip
def test_free_mail_domains_are_recognised(domain):
    assert is_free_mail(domain)


@pytest.mark.parametrize("domain", ["acme.com", "yahoo.acme.com", "gmailer.com", "live.acme.org"])
def test_company_domains_are_not_free_mail(domain):
    assert not is_free_mail(domain)


def test_a_server_that_never_answers_times_out_inconclusively(local_net):
    publish(local_net)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never speaks TLS
        verifier = verifier_for(local_net, https_port=silent.getsockname()[1], timeout=0.5)
        proof = verifier.check_well_known(domain="acme.test", token=TOKEN)
    assert not proof.ok and not proof.conclusive
    assert "did not answer within 0.5 seconds" in proof.reason
