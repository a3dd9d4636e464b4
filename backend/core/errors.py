"""The platform's exception tree. Each error knows its HTTP status and stable code; the API
layer turns any of them into the one error shape. Nothing here depends on FastAPI."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 500
    code = "INTERNAL_ERROR"
    error_type = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = headers or {}


class NotFoundError(AppError):
    status_code = 404
    code = "NOT_FOUND"
    error_type = "NotFoundError"


class InvalidRequestError(AppError):
    status_code = 400
    code = "BAD_REQUEST"
    error_type = "BadRequestError"


class AuthenticationError(AppError):
    status_code = 401
    code = "UNAUTHORIZED"
    error_type = "AuthenticationError"

    def __init__(self, message: str = "Sign in to continue.", **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class UnprocessableError(AppError):
    """Well-formed input that breaks a rule (a weak password, say): 422 like validation."""

    status_code = 422
    code = "VALIDATION_ERROR"
    error_type = "ValidationError"


class PermissionDeniedError(AppError):
    status_code = 403
    code = "FORBIDDEN"
    error_type = "PermissionError"


class ConflictError(AppError):
    status_code = 409
    code = "CONFLICT"
    error_type = "ConflictError"


class PayloadTooLargeError(AppError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"
    error_type = "PayloadTooLargeError"


class UnsupportedMediaTypeError(AppError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    error_type = "UnsupportedMediaTypeError"


class RateLimitedError(AppError):
    status_code = 429
    code = "RATE_LIMITED"
    error_type = "RateLimitError"


class ServiceUnavailableError(AppError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"
    error_type = "ServiceUnavailableError"


class DatabaseBusyError(ServiceUnavailableError):
    """Every database connection stayed in use past the pool's timeout: the server is busy,
    the request was fine."""

    code = "DATABASE_BUSY"
    error_type = "DatabaseBusyError"

    def __init__(self) -> None:
        super().__init__(
            "The server is busy (no database connection came free in time). Try again shortly.",
            headers={"Retry-After": "1"},
        )


class ProviderError(AppError):
    """The model provider failed; the user's request was fine."""

    status_code = 502
    code = "PROVIDER_ERROR"
    error_type = "ProviderError"


class ProviderRateLimitedError(ProviderError):
    status_code = 429
    code = "PROVIDER_RATE_LIMITED"
    error_type = "ProviderRateLimitedError"


class ProviderTimeoutError(ProviderError):
    status_code = 504
    code = "PROVIDER_TIMEOUT"
    error_type = "ProviderTimeoutError"


class ProviderUnavailableError(ProviderError):
    status_code = 503
    code = "PROVIDER_UNAVAILABLE"
    error_type = "ProviderUnavailableError"


class ConfigurationError(Exception):
    """Settings that cannot work; raised at start-up only."""
