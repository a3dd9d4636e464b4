"""structlog set-up: one JSON line per event, carrying the request id and transaction GUID."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from backend.core.context import request_id_var, transaction_guid_var

_SECRET_KEYS = frozenset(
    {
        "authorization",
        "cookie",
        "password",
        "api_key",
        "key",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "current_password",
        "new_password",
        "signing_key",
    }
)
_SECRET_SUFFIXES = ("_password", "_secret", "_api_key", "_access_token", "_refresh_token")


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
        lowered = key.lower()
        if lowered in _SECRET_KEYS or lowered.endswith(_SECRET_SUFFIXES):
            event[key] = "[redacted]"
    return event


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` (or `sys.stderr`) is at the time of the record, not at
    set-up."""

    to_stderr = False

    @property
    def stream(self) -> Any:
        return sys.stderr if self.to_stderr else sys.stdout

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        _add_request_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]


def line_formatter(fmt: str = "json") -> logging.Formatter:
    """What turns a record (structlog's or a library's) into one line, ids added and secrets
    redacted: the output's, and the log store's (which reads the JSON back)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=_shared_processors(),
    )


def configure_logging(level: str = "INFO", fmt: str = "json", *, to_stderr: bool = False) -> None:
    """structlog events and standard-library records (uvicorn, alembic, sqlalchemy) both come
    out as one JSON line each on stdout, carrying the request id and transaction GUID. On
    stderr instead for the MCP server over stdio, whose stdout carries only the protocol."""
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    handler = _StdoutHandler()
    handler.to_stderr = to_stderr
    handler.setFormatter(line_formatter(fmt))
    root = logging.getLogger()
    # a log store's handler (services/log_store.py) stays; every other is replaced
    root.handlers = [h for h in root.handlers if getattr(h, "keep_on_reconfigure", False)]
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    quiet = max(logging.WARNING, logging.getLevelName(level))
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "semantic_kernel"):
        logging.getLogger(noisy).setLevel(quiet)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
