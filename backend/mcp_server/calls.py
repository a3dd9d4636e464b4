"""Running an MCP tool as the calling account: the REST API's request ids, rate limits and
errors, so a tool call is metered and refused exactly as the same REST call would be."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastmcp.exceptions import ToolError
from pydantic import ValidationError

from backend.core.context import (
    new_request_id,
    new_transaction_guid,
    request_id_var,
    transaction_guid_var,
)
from backend.core.errors import AppError
from backend.db.session import busy_error
from backend.mcp_server.auth import RuntimeHolder, principal_for, request_key
from backend.runtime import Runtime
from backend.services.accounts import Principal
from backend.services.rate_limits import Budget

T = TypeVar("T")


class ToolCalls:
    def __init__(self, holder: RuntimeHolder, stdio_key: str | None) -> None:
        self._holder = holder
        self._stdio_key = stdio_key

    async def run(
        self, body: Callable[[Runtime, Principal], Awaitable[T]], *, generation_cost: int = 0
    ) -> T:
        """`body` as the caller, under a new request id and transaction GUID. Platform errors
        become tool errors carrying the error shape's code and message."""
        request_token = request_id_var.set(new_request_id())
        guid_token = transaction_guid_var.set(new_transaction_guid())
        try:
            runtime = self._holder.get()
            principal = await principal_for(runtime, request_key(self._stdio_key))
            key = f"user:{principal.user_id}"
            await runtime.rate_limits.hit(Budget.GENERAL, key)
            if not generation_cost:
                return await body(runtime, principal)
            async with runtime.gate.slot():
                await runtime.rate_limits.hit(Budget.GENERATION, key, cost=generation_cost)
                return await body(runtime, principal)
        except AppError as exc:
            raise ToolError(error_text(exc.code, exc.message, exc.details)) from exc
        except ValidationError as exc:
            details = [
                {"field": ".".join(map(str, error["loc"])), "message": error["msg"]}
                for error in exc.errors()
            ]
            raise ToolError(error_text("VALIDATION_ERROR", "Invalid arguments.", details)) from exc
        except Exception as exc:
            busy = busy_error(exc)
            if busy is None:
                raise
            raise ToolError(error_text(busy.code, busy.message, busy.details)) from exc
        finally:
            request_id_var.reset(request_token)
            transaction_guid_var.reset(guid_token)


def error_text(code: str, message: str, details: list[dict[str, Any]]) -> str:
    """The error shape's code and message, then its details: what an MCP client shows."""
    text = f"{code}: {message}"
    return f"{text} {json.dumps(details, default=str)}" if details else text
