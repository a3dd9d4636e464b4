"""The platform's exception tree. Each error knows its HTTP status and stable code; the API
layer turns any of them into the one error shape, and an HTTP error raised by the framework
itself (an unknown path, a wrong method) takes the type and code of the class here with its
status (`for_status`), so there is no second table. Nothing here depends on FastAPI.

    Exception
    ├── AppError                          500 INTERNAL_ERROR
    │   ├── NotFoundError                 404 NOT_FOUND
    │   ├── InvalidRequestError           400 BAD_REQUEST
    │   ├── AuthenticationError           401 UNAUTHORIZED
    │   ├── UnprocessableError            422 VALIDATION_ERROR (request validation too)
    │   ├── PermissionDeniedError         403 FORBIDDEN
    │   ├── ConflictError                 409 CONFLICT
    │   ├── MethodNotAllowedError         405 METHOD_NOT_ALLOWED
    │   ├── PayloadTooLargeError          413 PAYLOAD_TOO_LARGE
    │   ├── UnsupportedMediaTypeError     415 UNSUPPORTED_MEDIA_TYPE
    │   ├── RateLimitedError              429 RATE_LIMITED
    │   ├── BudgetExceededError           429 BUDGET_EXCEEDED        services/spend_caps.py
    │   ├── ServiceUnavailableError       503 SERVICE_UNAVAILABLE
    │   │   ├── DatabaseBusyError             DATABASE_BUSY
    │   │   └── OverloadedError               OVERLOADED             services/admission.py
    │   ├── ProviderError                 502 PROVIDER_ERROR: the provider failed, not the request
    │   │   ├── ProviderRateLimitedError  429 PROVIDER_RATE_LIMITED
    │   │   ├── ProviderTimeoutError      504 PROVIDER_TIMEOUT
    │   │   └── ProviderUnavailableError  503 PROVIDER_UNAVAILABLE
    │   ├── RunFailedError                the status of the error it carries: a document run
    │   │                                 that failed after it was recorded (services/documents.py)
    │   └── InternalStreamError           500, the form an unexpected failure takes in a stream
    └── ConfigurationError                start-up only: settings that cannot work
"""

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


class MethodNotAllowedError(AppError):
    status_code = 405
    code = "METHOD_NOT_ALLOWED"
    error_type = "MethodNotAllowedError"


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


def for_status(status: int) -> type[AppError] | None:
    """The error class that stands for an HTTP status: the first of AppError's own children
    with it (429 is `RateLimitedError`, 503 `ServiceUnavailableError`)."""
    for error in AppError.__subclasses__():
        if error.status_code == status and error.__module__ == __name__:
            return error
    return None


class ConfigurationError(Exception):
    """Settings that cannot work; raised at start-up only."""
