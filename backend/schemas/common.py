"""Shapes shared by every endpoint: the one error shape and text clean-up."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from backend.core.text import unstorable

_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Strip HTML tags and control characters; keep apostrophes, ampersands, quotes."""
    return _CONTROL.sub("", _TAG.sub("", value)).strip()


# Text the databases can store: PostgreSQL refuses NUL in text, so the schema says so and
# generated clients and fuzzers stay inside it. Anchored, without look-arounds: pydantic's Rust
# regex engine searches, and has none.
# The largest id the database's integer keys hold: larger ids are a 422, not a 500.
MAX_DB_ID = 2**31 - 1

NO_NUL = r"^[^\x00]*$"
# ... and holds something besides spaces (a stripped field must not end up empty).
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"


def _refuse_unstorable(value: Any) -> None:
    """A NUL, or a lone surrogate (JSON's "\\ud800"), anywhere in the value: 422."""
    if isinstance(value, str):
        if unstorable(value):
            raise PydanticCustomError(
                "unstorable_text", "Text must not contain NUL characters or lone surrogates"
            )
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _refuse_unstorable(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(key)
            _refuse_unstorable(item)


class StrictModel(BaseModel):
    """Request bodies reject unknown fields, so a typo is a 422, not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        """Defence in depth behind the schema patterns: no string field of any request, nor a
        string inside a list, may carry text the database would fail on (a 500)."""
        _refuse_unstorable(value)
        return value


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


class Spending(Protocol):
    """A stored record of work that went to a model: a story, a chat answer, a document run."""

    @property
    def input_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def estimated_cost_usd(self) -> Decimal: ...
    @property
    def transaction_guid(self) -> str | None: ...


def spend_fields(record: Spending) -> dict[str, Any]:
    """The token, cost and GUID fields every such record shows under the same names."""
    return {
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "total_tokens": record.input_tokens + record.output_tokens,
        "estimated_cost_usd": float(record.estimated_cost_usd),
        "transaction_guid": record.transaction_guid,
    }


ModelT = TypeVar("ModelT", bound=BaseModel)


def from_record(model: type[ModelT], record: object, **given: Any) -> ModelT:
    """`model` from a stored row or a result: each field not `given` is the record's attribute
    of the same name (pydantic's `from_attributes`), so a mapper spells out only the fields it
    renames or converts."""
    copied = {name: getattr(record, name) for name in model.model_fields if name not in given}
    return model.model_validate({**copied, **given})
