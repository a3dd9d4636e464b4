"""Every error leaves the API in one shape: {"error": {type, message, code, details,
request_id, timestamp}}. Stack traces and secrets never do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from backend.api.asgi import HttpMiddleware, StartTrackingSend
from backend.core.context import current_request_id
from backend.core.errors import AppError, DatabaseBusyError, UnprocessableError, for_status
from backend.core.logging import get_logger
from backend.db.session import busy_error

log = get_logger(__name__)


def error_response(
    status: int,
    *,
    error_type: str,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "error": {
            "type": error_type,
            "message": message,
            "code": code,
            "details": details or [],
            "request_id": current_request_id(),
            "timestamp": datetime.now(UTC).isoformat(),
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "field": _field(tuple(err.get("loc", ()))),
            "message": err.get("msg", ""),
            "type": err.get("type", "invalid"),
        }
        for err in exc.errors()
    ]
    return error_response(
        UnprocessableError.status_code,
        error_type=UnprocessableError.error_type,
        code=UnprocessableError.code,
        message="Request validation failed",
        details=details,
    )


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if exc.status_code >= 500:
        log.warning("request_failed", error=exc.code, message=exc.message)
    return error_response(
        exc.status_code,
        error_type=exc.error_type,
        code=exc.code,
        message=exc.message,
        details=exc.details,
        headers=exc.headers,
    )


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    return await _app_error(request, busy_error(exc) or DatabaseBusyError())


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    known = for_status(exc.status_code)
    error_type, code = (
        (known.error_type, known.code) if known else ("HTTPError", f"HTTP_{exc.status_code}")
    )
    message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    return error_response(
        exc.status_code,
        error_type=error_type,
        code=code,
        message=message,
        headers=dict(exc.headers or {}),
    )


def install_error_handlers(app: FastAPI) -> None:
    """Expected errors. Unexpected ones are UnhandledErrorMiddleware's: a handler for
    `Exception` would run in Starlette's outermost layer, after the request's ids are gone."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(sqlalchemy.exc.TimeoutError, _pool_timeout)
    app.add_exception_handler(StarletteHTTPException, _http_error)


class UnhandledErrorMiddleware(HttpMiddleware):
    """The innermost middleware: turns an exception no handler took into the one 500 shape.

    Inside the request-context and security-header middleware, so the 500 carries the request
    id, the transaction GUID and every security header, and the `unhandled_error` log line the
    request id. A response already under way (a stream) cannot become a 500: it is logged and
    ended.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracking = StartTrackingSend(send)
        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if isinstance(exc, StarletteHTTPException) and not tracking.started:
                # raised outside a route (a body limit hit while streaming the body in, say)
                response = await _http_error(Request(scope), exc)
            else:
                log.error("unhandled_error", error=type(exc).__name__, exc_info=exc)
                if tracking.started:
                    return
                response = error_response(
                    500,
                    error_type="InternalError",
                    code="INTERNAL_ERROR",
                    message="An unexpected error occurred. Quote the request id when reporting it.",
                )
            await response(scope, receive, send)
