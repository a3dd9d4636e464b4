"""structlog set-up: one JSON line per event, carrying the request id and transaction GUID."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from backend.core.context import request_id_var, transaction_guid_var

_SECRET_KEYS = ("authorization", "api_key", "password", "token", "secret")


def _add_request_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    request_id = request_id_var.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    guid = transaction_guid_var.get()
    if guid is not None:
        event.setdefault("transaction_guid", guid)
    return event


def _redact_secrets(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """Last line of defence: a key that names a secret never reaches a log line."""
    for key in list(event):
        if any(marker in key.lower() for marker in _SECRET_KEYS):
            event[key] = "[redacted]"
    return event


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_request_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stdout),
        cache_logger_on_first_use=False,
    )
    # Route the standard library's loggers (uvicorn, sqlalchemy, alembic) to stdout too.
    logging.basicConfig(level=level, stream=sys.stdout, format="%(levelname)s %(name)s %(message)s")
    for noisy in ("httpx", "httpcore", "openai", "semantic_kernel"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
