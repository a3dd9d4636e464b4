"""The log viewer's shapes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.models import LogEntry
from backend.schemas.common import from_record

LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class LogEntryOut(BaseModel):
    id: int
    created_at: datetime
    level: str
    logger: str
    event: str
    request_id: str | None
    transaction_guid: str | None
    instance_id: str | None
    fields: dict[str, Any] = Field(description="The line's other keys (method, path, status...).")


class LogPage(BaseModel):
    entries: list[LogEntryOut] = Field(description="Newest first.")
    next_before_id: int | None = Field(
        description="Pass as before_id for the next (older) page; null on the last page."
    )
    newest_id: int | None = Field(
        description="The newest entry's id: pass as after_id to follow what comes next."
    )


def log_entry_out(entry: LogEntry) -> LogEntryOut:
    try:
        fields = json.loads(entry.fields)
    except ValueError:
        fields = {"raw": entry.fields}
    return from_record(
        LogEntryOut, entry, fields=fields if isinstance(fields, dict) else {"value": fields}
    )
