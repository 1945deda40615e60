"""FastAPI's own OpenTelemetry traces: recorded only on a site that turns them on."""

import http.server
import threading
import time
from collections.abc import Iterable, Iterator
from typing import ClassVar

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.config import get_settings
from tests.security.live import live_server


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    """An SDK tracer provider set globally, as a site's OpenTelemetry setup would (it can be set
    once per process: a later module reuses it)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    found = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(found))
    yield found
    found.shutdown()


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    exporter.clear()
    return exporter


@pytest.fixture
def opentelemetry_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Before the app is built (the `client` fixture after this one builds it).
    monkeypatch.setenv("OUTCRY_OPENTELEMETRY", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def _server_spans(spans: InMemorySpanExporter) -> list[tuple[str, dict]]:
    return [
        (span.name, dict(span.attributes or {}))
        for span in spans.get_finished_spans()
        if span.kind is SpanKind.SERVER
    ]


def test_a_site_that_turns_it_on_gets_a_span_per_request_named_by_its_route(
    opentelemetry_on, spans, client
):
    assert client.get("/healthz").status_code == 200
    assert client.get("/companies/nobody-by-this-name").status_code == 404

    (health, health_attrs), (company, company_attrs) = _server_spans(spans)
    assert health == "GET /healthz" and health_attrs["http.response.status_code"] == 200
    # The route's template, not the address: one name whatever the visitor typed.
    assert company == "GET /companies/{slug}"
    assert company_attrs["http.route"] == "/companies/{slug}"
    assert company_attrs["url.path"] == "/companies/nobody-by-this-name"
    assert company_attrs["http.response.status_code"] == 404


def test_unasked_outcry_records_nothing_even_with_a_provider_set(spans, client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/companies/nobody-by-this-name").status_code == 404
    assert spans.get_finished_spans() == ()


class _Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP trace receiver: what a site's collector (or a tracing service) runs."""

    received: ClassVar[list[ExportTraceServiceRequest]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        if self.path == "/v1/traces":
            self.received.append(ExportTraceServiceRequest.FromString(body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.live_server
def test_a_live_site_sends_its_traces_to_the_collector_named_in_the_environment():
    """The recipe of docs/operations.md ("Tracing"), on a real `outcry serve`."""
    collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    env = {
        "OUTCRY_OPENTELEMETRY": "true",
        "FASTAPI_OTEL_AUTO_CONFIGURE": "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_port}",
        "OTEL_SERVICE_NAME": "outcry-live",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # milliseconds: export soon after the request
    }
    try:
        with live_server(env=env) as server:
            assert httpx.get(server.url + "/companies/nobody-here").status_code == 404
            deadline = time.monotonic() + 20
            while not _named(_Collector.received, "GET /companies/{slug}"):
                assert time.monotonic() < deadline, "no trace reached the collector"
                time.sleep(0.1)
    finally:
        collector.shutdown()
    resource, span = _named(_Collector.received, "GET /companies/{slug}")[0]
    assert resource["service.name"] == "outcry-live"
    assert span["http.route"] == "/companies/{slug}"
    assert span["http.response.status_code"] == 404


def _named(
    requests: list[ExportTraceServiceRequest], name: str
) -> list[tuple[dict[str, object], dict[str, object]]]:
    """Each span of that name, with its resource's attributes and its own."""

    def attributes(pairs: Iterable) -> dict[str, object]:
        return {pair.key: getattr(pair.value, pair.value.WhichOneof("value")) for pair in pairs}

    return [
        (attributes(spans.resource.attributes), attributes(span.attributes))
        for request in requests
        for spans in request.resource_spans
        for scope in spans.scope_spans
        for span in scope.spans
        if span.name == name
    ]
