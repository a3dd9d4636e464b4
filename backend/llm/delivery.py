"""Whether a request reached the provider: the line between a ledger row and none.

An attempt that fails or is cancelled before its request has been written in full never
reached the provider (it could not have acted on it), so it is no ledger row; one that fails
after may have been served and billed, so it is. httpcore reports each step of a request to
the `trace` extension; the body's completion is the moment the request has left.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx2 as httpx

TraceHook = Callable[[str, dict[str, Any]], Awaitable[None]]

_SENT_EVENTS = ("send_request_body.complete", "receive_response_headers.complete")


class Delivery:
    """Watches one attempt's request; `sent` turns true once its body has been written."""

    _outer: TraceHook | None

    def __init__(self, request: httpx.Request) -> None:
        self.sent = False
        outer: TraceHook | None = request.extensions.get("trace")
        earlier = getattr(outer, "__self__", None)
        if isinstance(earlier, Delivery):  # a retry of the same request: watch it afresh
            outer = earlier._outer
        self._outer = outer
        request.extensions["trace"] = self._trace

    async def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event.endswith(_SENT_EVENTS):
            self.sent = True
        if self._outer is not None:
            await self._outer(event, info)
