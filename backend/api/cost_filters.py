"""The filters shared by every cost report, the ledger and its export, and whose spend they
may cover."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from backend.core.errors import PermissionDeniedError
from backend.core.names import FrameworkName
from backend.schemas.common import MAX_DB_ID, NO_NUL
from backend.services.accounts import Principal
from backend.services.usage_filter import UsageFilter

Operation = Literal["story_generation", "comparison", "chat", "document_run", "judge", "evaluation"]


def spend_owner(principal: Principal, user_id: int | None, all_users: bool) -> int | None:
    """Whose spend: the caller's; an admin may ask for one user's or everyone's (None)."""
    if all_users or (user_id is not None and user_id != principal.user_id):
        if not principal.is_admin:
            raise PermissionDeniedError("Only an administrator can see other users' spend.")
        return None if all_users else user_id
    return principal.user_id


class LedgerFilters(BaseModel):
    """Filters shared by the usage report and the ledger list."""

    start_date: date | None = Field(default=None, description="first day, inclusive (UTC)")
    end_date: date | None = Field(default=None, description="last day, inclusive (UTC)")
    framework: FrameworkName | None = None
    model: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    provider: str | None = Field(default=None, max_length=100, pattern=NO_NUL)
    operation: Operation | None = None
    user_id: int | None = Field(
        default=None, ge=1, le=MAX_DB_ID, description="admins: one user's spend"
    )
    all_users: bool = Field(default=False, description="admins: everyone's spend")

    def usage_filter(self, principal: Principal) -> UsageFilter:
        return UsageFilter(
            start_date=self.start_date,
            end_date=self.end_date,
            framework=self.framework.value if self.framework else None,
            user_id=spend_owner(principal, self.user_id, self.all_users),
            model=self.model,
            provider=self.provider,
            operation=self.operation,
        )


Filters = Annotated[LedgerFilters, Query()]
