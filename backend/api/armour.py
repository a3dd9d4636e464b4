"""Pure ASGI middleware guarding every response: security headers and a request body limit."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.api.asgi import HttpMiddleware, StartTrackingSend
from backend.api.errors import error_response

# The built SPA loads only its own scripts and styles, so nothing inline is allowed.
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The API docs (routes/docs.py) load only the app's own files and run no inline script;
# Swagger UI sets some styles inline, which is all it is allowed beyond the SPA's policy.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs",)  # /docs and /docs-assets/...


class SecurityHeadersMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else APP_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                    (b"content-security-policy", csp.encode()),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if path.startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """Raised from `receive` mid-body. An HTTPException, because FastAPI re-raises those
    from body parsing (anything else becomes a generic 400), and the error handlers then
    answer 413 in the one error shape."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than {max_bytes} bytes.")


class BodyLimitMiddleware(HttpMiddleware):
    """413 for bodies over the limit: at once when Content-Length says so, and while reading
    when it does not (chunked uploads), so an oversized body is never held in memory."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        super().__init__(app)
        self.default_max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        max_bytes = self.path_limits.get(scope.get("path", ""), self.default_max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > max_bytes or declared < 0:
                    await self._reject(scope, receive, send, declared < 0, max_bytes)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        tracking = StartTrackingSend(send)
        try:
            await self.app(scope, limited_receive, tracking)
        except BodyTooLarge:
            if not tracking.started:
                await self._reject(scope, receive, send, False, max_bytes)

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, malformed: bool, max_bytes: int
    ) -> None:
        response = error_response(
            400 if malformed else 413,
            error_type="BadRequestError" if malformed else "PayloadTooLargeError",
            code="BAD_REQUEST" if malformed else "PAYLOAD_TOO_LARGE",
            message="Invalid Content-Length."
            if malformed
            else f"The request body is larger than {max_bytes} bytes.",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
