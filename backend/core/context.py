"""Per-request identifiers carried by context variables into logs, ledger rows and headers."""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
transaction_guid_var: ContextVar[str | None] = ContextVar("transaction_guid", default=None)
# When the request arrived (time.monotonic()): back-pressure measures how long it has waited.
request_started_var: ContextVar[float | None] = ContextVar("request_started", default=None)


def new_request_id() -> str:
    return f"req_{uuid.uuid4().hex[:16]}"


def new_transaction_guid() -> str:
    return str(uuid.uuid4())


def current_request_id() -> str | None:
    return request_id_var.get()


def current_transaction_guid() -> str:
    """The transaction GUID of this request, creating one for work outside a request."""
    guid = transaction_guid_var.get()
    if guid is None:
        guid = new_transaction_guid()
        transaction_guid_var.set(guid)
    return guid


def restart_request_clock() -> None:
    """A later stage of this request's work begins (the judge, once a comparison's stories are
    written): the bounds on waiting (`services/admission.py`) count from now, not from the
    request's arrival, or minutes of generation would read as minutes of backlog. A streamed
    stage runs in a task of its own, so nothing else of the request sees the new start."""
    request_started_var.set(time.monotonic())
