"""Tracing and logging set-up shared by every service.

One trace spans ingress -> guard -> router -> audit: the W3C ``traceparent`` travels in NATS headers.
Span attributes never hold keys or prompt text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from libs.common.settings import Settings


def setup(service: str, settings: Settings) -> trace.Tracer:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format=f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s",
    )
    # LiteLLM logs request details (headers included) at DEBUG; keep it quiet whatever the root level.
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    provider = TracerProvider(resource=Resource.create({"service.name": f"gateway-{service}"}))
    if settings.otel_exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif settings.otel_exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return trace.get_tracer(f"gateway.{service}")


def inject(headers: dict[str, str] | None = None, context: Context | None = None) -> dict[str, str]:
    """Headers carrying the current (or given) trace context."""
    headers = {} if headers is None else headers
    propagate.inject(headers, context=context)
    return headers


def extract(headers: Mapping[str, str] | None) -> Context:
    return propagate.extract(dict(headers or {}))


def onward(headers: Mapping[str, str] | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Headers for the next hop: the current span's context, or else the one that arrived in ``headers``."""
    current = trace.get_current_span().get_span_context()
    return inject(dict(extra or {}), context=None if current.is_valid else extract(headers))
