"""Claiming a company: the Acme company with a confirmed domain, a verifier on the local
DNS and HTTPS servers, and the claim steps a browser takes."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.claims import service as claims
from app.claims.verifier import WELL_KNOWN_PATH, Verifier, get_verifier
from app.companies import service as companies
from app.models.job import Job
from app.models.membership import Claim, ClaimMethod
from tests.support import dns_https_servers as servers
from tests.support.dns_https_servers import LocalNet, Reply
from tests.support.factories import confirm_domain
from tests.support.forms import post_form


@pytest.fixture
def verifier(local_net: LocalNet, web_app) -> Verifier:
    """The app's verifier, pointed at the local servers and allowed to reach 127.0.0.1."""
    verifier = Verifier(
        resolver=local_net.dns.resolver(),
        https_port=local_net.https.port,
        tls=local_net.https.client_context(),
        policy=servers.allow_loopback,
        timeout=3.0,
    )
    web_app.dependency_overrides[get_verifier] = lambda: verifier
    return verifier


def start_claim(client, company, **data):
    response = post_form(client, f"/companies/{company.slug}/claim", data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def verify(client, claim_id, **data):
    return post_form(client, f"/claims/{claim_id}/verify", data, page=f"/claims/{claim_id}")


def mailed_code(db, claim_id) -> str:
    jobs = db.exec(select(Job).where(Job.key.like(f"mail:claim-code:{claim_id}:%"))).all()
    return re.search(r"Your code: (\d{6})", jobs[-1].payload["text"]).group(1)


LATER = timedelta(days=8)  # past OUTCRY_REVERIFY_DAYS (7)


def make_verifier(net: LocalNet) -> Verifier:
    return Verifier(
        resolver=net.dns.resolver(),
        https_port=net.https.port,
        tls=net.https.client_context(),
        policy=servers.allow_loopback,
        timeout=3.0,
    )


def verified_claim(db, net: LocalNet, company, owner, method=ClaimMethod.DNS) -> Claim:
    """A claim verified for real against the local servers."""
    verifier = make_verifier(net)
    claim = claims.start(session=db, user=owner, company=company, method=method, verifier=verifier)
    net.dns.records[company.domain] = {
        "A": ["127.0.0.1"],
        "TXT": [f"outcry-verification={claim.token}"],
    }
    net.https.routes[WELL_KNOWN_PATH] = Reply(200, claim.token)
    assert claims.verify(session=db, claim=claim, user=owner, verifier=verifier).ok
    return claim


@pytest.fixture
def acme(db):
    """Acme Widgets, its domain acme.test confirmed: claims proven on it are granted."""
    return confirm_domain(db, companies.create(session=db, name="Acme Widgets", domain="acme.test"))
