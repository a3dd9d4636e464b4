"""Accounts, tokens, API keys and user administration."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_serializer,
    field_validator,
)

from backend.core.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from backend.schemas.common import NO_NUL, NOT_BLANK, StrictModel, VerbatimModel


class Registration(VerbatimModel):
    email: str = Field(
        max_length=254,
        pattern=NO_NUL,
        json_schema_extra={"format": "email"},
        examples=["ada@example.com"],
    )
    password: str = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        pattern=NO_NUL,
        description="Also checked for strength (zxcvbn score 3 or more): a guessable "
        "password gets a 422 with details[].type 'weak_password'.",
    )
    invite_code: str | None = Field(
        default=None,
        max_length=64,
        pattern=NO_NUL,
        description="needed when registration is invite-only (REGISTRATION=invite)",
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        """Syntax only: no DNS look-up, and intranet domains (.local, .internal) are fine
        on a self-hosted platform."""
        try:
            checked = validate_email(value, check_deliverability=False, globally_deliverable=False)
        except EmailNotValidError as exc:
            raise ValueError(str(exc)) from exc
        return checked.normalized.lower()


class Credentials(VerbatimModel):
    """Sign-in takes any text: a wrong address is simply a failed sign-in (401)."""

    email: str = Field(min_length=1, max_length=254, pattern=NO_NUL, examples=["ada@example.com"])
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, pattern=NO_NUL)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_at: datetime


class PasswordChange(VerbatimModel):
    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, pattern=NO_NUL)
    new_password: str = Field(
        min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH, pattern=NO_NUL
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    is_admin: bool
    is_active: bool
    created_at: datetime
    monthly_budget_usd: Decimal | None = Field(
        description="what the user may spend per calendar month (UTC); null: no budget"
    )

    @field_serializer("monthly_budget_usd")
    def _plain_decimal(self, value: Decimal | None) -> str | None:
        """Always a plain decimal ("0.000000001"), never an exponent ("1E-9")."""
        return None if value is None else format(value, "f")


USD_TEXT = r"^[0-9]{1,9}(\.[0-9]{1,9})?$"
USD_MAX = 10**9


def _usd(value: Any) -> Any:
    """A JSON number, or a plain decimal string (exact: "12.50"); nothing else."""
    if isinstance(value, str) and not re.fullmatch(USD_TEXT, value):
        raise ValueError("write the amount as a number or a decimal like '12.50'")
    return value


Usd = Annotated[
    Decimal,
    BeforeValidator(_usd),
    Field(ge=0, le=USD_MAX),
    # What the ledger can hold: nano-dollars (a budget of 1e-57 is a budget of 0).
    AfterValidator(lambda value: value.quantize(Decimal("1e-9"))),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": USD_MAX},
                {"type": "string", "pattern": USD_TEXT},
            ]
        }
    ),
]


class BudgetUpdate(VerbatimModel):
    monthly_budget_usd: Usd | None = Field(
        description="US dollars a month (a number or an exact decimal string); null: no budget"
    )


class RegistrationOptions(BaseModel):
    registration: Literal["open", "invite", "closed"] = Field(
        description="open: anyone may sign up; invite: with an invite code; closed: nobody "
        "(but the very first account)"
    )


class InviteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    expires_at: datetime
    used_by: int | None
    used_at: datetime | None


class NewInvite(InviteOut):
    code: str = Field(description="shown once: hand it to the person who will sign up")


class InviteListResponse(BaseModel):
    invites: list[InviteOut]
    total: int
    skip: int
    limit: int


class UserListResponse(BaseModel):
    users: list[UserOut]
    total: int
    skip: int
    limit: int


class ApiKeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100, pattern=NOT_BLANK, examples=["laptop script"])


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself. Shown only in this response: store it now.")
