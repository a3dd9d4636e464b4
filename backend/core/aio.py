"""Work that must finish even when its caller is being cancelled.

A client that goes away cancels the task serving it. The record of what it spent must still
be written, and the generators it was reading must still be closed (an abandoned async
generator is otherwise closed only when garbage collected: until then its provider connection
stays open and its ledger rows stay `in_flight`). A shielded cancel scope is not enough here:
a cancellation already delivered to the task fires at the next await inside it. So such work
runs in a task of its own, and the caller waits for it through any cancellation, which is
re-raised once the work is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

T = TypeVar("T")

CLOSE_SECONDS = 10.0


async def finish_anyway(work: Awaitable[T], *, give_up_after: float | None = None) -> T:
    """Await `work` to the end even if the caller is cancelled meanwhile; then re-raise the
    cancellation. With `give_up_after` seconds, stop waiting after that long (the work goes on)."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    deadline = None if give_up_after is None else loop.time() + give_up_after
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        remaining = None if deadline is None else deadline - loop.time()
        if remaining is not None and remaining <= 0:
            if cancelled is not None:
                raise cancelled  # a cancellation is never lost to giving up
            raise TimeoutError("gave up waiting for work that must finish")
        try:
            await asyncio.wait_for(asyncio.shield(task), remaining)
        except asyncio.CancelledError as exc:
            if task.done():
                break
            cancelled = exc
        except TimeoutError:
            if not task.done():
                if cancelled is not None:
                    raise cancelled from None
                raise
    if cancelled is not None:
        raise cancelled
    return task.result()


@asynccontextmanager
async def closing(iterator: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """Close an async generator as soon as the block is left, however it is left."""
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            with suppress(TimeoutError):
                await finish_anyway(aclose(), give_up_after=CLOSE_SECONDS)
