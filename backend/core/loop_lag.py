"""How far behind the event loop is running: the time a callback that became ready now would
wait before it runs.

One small task sleeps a short interval and notes how late it wakes; between its wake-ups, how
overdue it is tells the same, read at once. The delay reported is the smaller of the two, so it
is high only when the loop is behind now and was behind at the last wake-up too: overload,
not a single stall (a garbage collection, a slow start-up step). Back-pressure reads it to
refuse work the loop could not start in time (services/admission.py), so that a request
admitted under load is not then starved of CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

SAMPLE_SECONDS = 0.02


class LoopLag:
    def __init__(self, interval_seconds: float = SAMPLE_SECONDS) -> None:
        self.interval_seconds = interval_seconds
        self._due = time.monotonic()
        self._measured = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._due = time.monotonic() + self.interval_seconds
        self._task = asyncio.create_task(self._watch(), name="loop-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def last_lateness_seconds(self) -> float:
        """How late the monitor woke the last time it woke."""
        return self._measured

    def seconds(self) -> float:
        """The loop's sustained delay: the monitor's last lateness, or how overdue it is now,
        whichever is less."""
        if self._task is None:
            return 0.0
        return max(0.0, min(self._measured, time.monotonic() - self._due))

    async def _watch(self) -> None:
        while True:
            self._due = time.monotonic() + self.interval_seconds
            await asyncio.sleep(self.interval_seconds)
            self._measured = max(0.0, time.monotonic() - self._due)
