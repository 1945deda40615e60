"""Real local servers for tests that must not reach the internet: a DNS answerer and an HTTPS
(or plain HTTP) server, both on 127.0.0.1 with random ports, driven by plain dicts.

    with LocalDNS({"acme.test": {"A": ["127.0.0.1"], "TXT": ["outcry-verification=abc"]}}) as dns:
        resolver = dns.resolver()          # a dnspython Resolver pointed at it

    with LocalHTTPS(["acme.test"]) as web:
        web.routes["/.well-known/x.txt"] = Reply(200, "hello")
        context = web.client_context()     # trusts the test CA only
        web.port, web.requests             # where it listens, what it was asked

Tests change the dicts while the servers run (e.g. to make a proof disappear). Starting them
takes a moment, so the ``local_net`` fixture keeps one set per session and empties it for each
test; a test module uses it with ``local_servers = servers.local_servers`` and
``local_net = servers.local_net`` (``from tests.support import dns_https_servers as servers``).
"""

import ipaddress
import ssl
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dns.resolver
import pytest
import trustme
from dnslib import AAAA, QTYPE, RCODE, RR, TXT, A, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

_RDATA = {"A": A, "AAAA": AAAA, "TXT": TXT}


class _DictResolver(BaseResolver):
    def __init__(self, records: dict[str, dict[str, list[str]]]) -> None:
        self.records = records
        self.queries: list[tuple[str, str]] = []

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        self.queries.append((name, qtype))
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for value in self.records[name].get(qtype, []):
            reply.add_answer(RR(name, getattr(QTYPE, qtype), rdata=_RDATA[qtype](value), ttl=1))
        return reply


class LocalDNS:
    """A UDP DNS server answering A, AAAA and TXT questions from ``records``; unknown names get
    NXDOMAIN, known names without that type an empty answer."""

    def __init__(self, records: dict[str, dict[str, list[str]]] | None = None) -> None:
        self.records: dict[str, dict[str, list[str]]] = records if records is not None else {}
        self._resolver = _DictResolver(self.records)
        self._server = DNSServer(
            self._resolver,
            address="127.0.0.1",
            port=0,
            logger=DNSLogger(log="-request,-reply,-truncated,-error"),
        )
        self.port: int = self._server.server.server_address[1]

    @property
    def queries(self) -> list[tuple[str, str]]:
        return self._resolver.queries

    def resolver(self, *, lifetime: float = 2.0) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = self.port
        resolver.lifetime = resolver.timeout = lifetime
        return resolver

    def __enter__(self) -> "LocalDNS":
        threading.Thread(
            target=self._server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.stop()
        self._server.server.server_close()


@dataclass
class Reply:
    status: int = 200
    body: str | bytes = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    path: str
    host: str
    sni: str | None


class LocalHTTPS:
    """An HTTP server on 127.0.0.1 with a certificate for ``hostnames`` from a throwaway CA
    (``tls=False``: plain HTTP, to prove a client refuses it). Unknown paths answer 404."""

    def __init__(self, hostnames: Iterable[str] = ("acme.test",), *, tls: bool = True) -> None:
        self.routes: dict[str, Reply] = {}
        self.requests: list[Seen] = []
        self.ca = trustme.CA()
        owner = self
        sni_seen: dict[int, str | None] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(
                    Seen(self.path, self.headers.get("Host", ""), sni_seen.get(id(self.request)))
                )
                reply = owner.routes.get(self.path, Reply(404, "not found"))
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(*hostnames).configure_cert(context)

            def remember_sni(sock: ssl.SSLSocket, name: str | None, _ctx: object) -> None:
                sni_seen[id(sock)] = name

            context.sni_callback = remember_sni
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's CA and nothing else."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the hostname
        context.load_verify_locations(cadata=self.ca.cert_pem.bytes().decode())
        return context

    def __enter__(self) -> "LocalHTTPS":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def allow_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """An address policy for tests: the local servers live on 127.0.0.1."""
    return address.is_loopback


TEST_HOSTNAMES = ("acme.test", "beta.test", "gamma.test", "delta.test")


@dataclass
class LocalNet:
    dns: LocalDNS
    https: LocalHTTPS  # with a certificate for TEST_HOSTNAMES
    http: LocalHTTPS  # plain HTTP, no TLS

    def reset(self) -> None:
        for server in (self.https, self.http):
            server.routes.clear()
            server.requests.clear()
        self.dns.records.clear()
        self.dns.queries.clear()


@pytest.fixture(scope="session")
def local_servers() -> Iterator[LocalNet]:
    with (
        LocalDNS() as dns_server,
        LocalHTTPS(TEST_HOSTNAMES) as https_server,
        LocalHTTPS(TEST_HOSTNAMES, tls=False) as http_server,
    ):
        yield LocalNet(dns_server, https_server, http_server)


@pytest.fixture
def local_net(local_servers: LocalNet) -> Iterator[LocalNet]:
    """The session's local servers, emptied for this test."""
    local_servers.reset()
    yield local_servers
    local_servers.reset()
