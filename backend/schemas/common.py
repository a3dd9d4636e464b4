"""Shapes shared by every endpoint: the one error shape and text clean-up."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Strip HTML tags and control characters; keep apostrophes, ampersands, quotes."""
    return _CONTROL.sub("", _TAG.sub("", value)).strip()


# A stripped string field must hold something besides spaces; the schema says so too.
NOT_BLANK = r"\S"


class StrictModel(BaseModel):
    """Request bodies reject unknown fields, so a typo is a 422, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VerbatimModel(StrictModel):
    """For secrets (passwords): strings are taken exactly as typed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str
    type: str


class ErrorBody(BaseModel):
    type: str = Field(examples=["ValidationError"])
    message: str
    code: str = Field(examples=["VALIDATION_ERROR"])
    details: list[ErrorDetail] | list[dict[str, Any]] = Field(default_factory=list)
    request_id: str | None = None
    timestamp: datetime


class ErrorResponse(BaseModel):
    error: ErrorBody


class MessageResponse(BaseModel):
    message: str
