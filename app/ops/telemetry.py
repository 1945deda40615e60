"""FastAPI's native OpenTelemetry support: on only when the operator asks for it.

FastAPI traces each request, and records its metrics and logs, through OpenTelemetry's global
providers. Unasked, no provider is set and it records nothing, yet it looks for one on every
request: about a tenth of a plain-text answer's time (bench/README.md, "FastAPI's telemetry
check"). ``OUTCRY_OPENTELEMETRY=true`` turns it on for a site that configures the OpenTelemetry
SDK (docs/operations.md, "Tracing")."""

from fastapi.telemetry import TelemetryConfig

from app.config import Settings

# Nothing recorded, and no exporter set up even when FASTAPI_OTEL_AUTO_CONFIGURE is set.
_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "auto_configure": False}


def config(settings: Settings) -> TelemetryConfig | None:
    """What ``FastAPI(telemetry=...)`` takes: None keeps FastAPI's defaults (the global providers)."""
    return None if settings.opentelemetry else _OFF
