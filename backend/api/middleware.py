"""Request context: ids minted, ids out, one access log line per request (pure ASGI, so it
also wraps streamed responses without buffering them).

The server mints both ids of every request. A client's X-Transaction-GUID is ignored: taking it
would let one user write stories and ledger rows under another's GUID. A client's own
X-Request-ID, when safe to log, is kept only as `client_request_id` in that request's log
lines, for correlating with the client's records."""

from __future__ import annotations

import re
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api.asgi import HttpMiddleware
from backend.core.context import (
    new_request_id,
    new_transaction_guid,
    request_id_var,
    request_started_var,
    transaction_guid_var,
)
from backend.core.logging import get_logger
from backend.core.metrics import Metrics

log = get_logger("backend.access")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = new_request_id()
        guid = new_transaction_guid()
        request_token = request_id_var.set(request_id)
        guid_token = transaction_guid_var.set(guid)
        started_token = request_started_var.set(time.monotonic())
        structlog.contextvars.clear_contextvars()
        client_request_id = _header(scope, b"x-request-id")
        if client_request_id and _SAFE_REQUEST_ID.match(client_request_id):
            structlog.contextvars.bind_contextvars(client_request_id=client_request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-transaction-guid", guid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            request_id_var.reset(request_token)
            transaction_guid_var.reset(guid_token)
            request_started_var.reset(started_token)
            structlog.contextvars.clear_contextvars()


class HttpMetricsMiddleware(HttpMiddleware):
    """Requests by route template and status, their duration (a stream's whole life), and the
    streams open now (a response that starts as `text/event-stream`). Pure ASGI, so streamed
    responses pass through unbuffered."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        streaming = False

        async def observe(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/event-stream"):
                    streaming = True
                    self.metrics.streams_in_flight.inc()
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            if streaming:
                self.metrics.streams_in_flight.dec()
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.http_requests.labels(method, template, str(status)).inc()
            self.metrics.http_duration.labels(method, template).observe(
                time.perf_counter() - started
            )
