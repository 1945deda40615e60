"""A real HTTP server on loopback that records every request and answers with scripted responses.

with serve() as receiver:
    receiver.script(500, 200)          # first request gets 500, the next 200, then 200s
    ... POST to receiver.url("/hooks") ...
    assert receiver.requests[0].json()["event"] == "complaint.created"

with serve(tls_hostnames=["localhost"]) as receiver:   # HTTPS, certificate from a test CA
    receiver.url("/hooks")             # https://localhost:<port>/hooks
    receiver.client_context()          # an SSLContext trusting that CA only
"""

import contextlib
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    sni: str | None = None  # the server name the TLS client asked for

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering: a slow or hanging peer


@dataclass
class Receiver:
    host: str
    port: int
    ca: trustme.CA | None = None  # set when serving HTTPS
    requests: list[Recorded] = field(default_factory=list)
    _replies: deque[Reply] = field(default_factory=deque)
    _by_path: dict[str, deque[Reply]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sni: dict[int, str | None] = field(default_factory=dict)

    def url(self, path: str = "/") -> str:
        return f"{'https' if self.ca else 'http'}://{self.host}:{self.port}{path}"

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this receiver's test CA and nothing else."""
        assert self.ca is not None, "serve(tls_hostnames=...) for HTTPS"
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=self.ca.cert_pem.bytes().decode())
        return context

    def script(self, *replies: int | Reply) -> None:
        """Answer the next requests with these, in order; afterwards 200."""
        with self._lock:
            self._replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def script_path(self, path: str, *replies: int | Reply) -> None:
        """Answer the next requests to ``path`` with these, whatever order requests arrive in
        (the worker delivers to several webhooks at once)."""
        with self._lock:
            queued = self._by_path.setdefault(path, deque())
            queued.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def _record(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            if queued := self._by_path.get(request.path):
                return queued.popleft()
            return self._replies.popleft() if self._replies else Reply()


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = receiver._record(
                Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    sni=receiver._sni.get(id(self.request)),
                )
            )
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = _any

        def log_message(self, *_args: object) -> None:  # keep test output quiet
            pass

    return Handler


@contextlib.contextmanager
def serve(host: str = "127.0.0.1", *, tls_hostnames: list[str] | None = None) -> Iterator[Receiver]:
    """Run a receiver on a free port of 127.0.0.1 for the duration of the block; with
    ``tls_hostnames`` it speaks HTTPS with a certificate for those names, and ``host`` (the name
    used in its URLs) should be one of them."""
    receiver = Receiver(host=host, port=0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    if tls_hostnames:
        receiver.ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        receiver.ca.issue_cert(*tls_hostnames).configure_cert(context)

        def remember_sni(sock: ssl.SSLSocket, name: str | None, _ctx: object) -> None:
            receiver._sni[id(sock)] = name

        context.sni_callback = remember_sni
        server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
