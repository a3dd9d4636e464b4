"""The task queue for work that outlives a request (evaluation runs): taskiq.

With no REDIS_URL, its in-process broker runs a task in this process's event loop (the laptop
default). With REDIS_URL, tasks go to a Redis list and every replica runs a receiver, so any
process may take a run. Either way a task only says which run to work on: the run's state is in
the database, and a run whose process died is queued again at start-up
(`EvaluationWorker.recover`), so a lost message loses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask, InMemoryBroker
from taskiq.api import run_receiver_task
from taskiq_redis import ListQueueBroker

from backend.core.logging import get_logger

log = get_logger(__name__)


class TaskQueue:
    def __init__(self, redis_url: str | None, key_prefix: str) -> None:
        self.broker: AsyncBroker = (
            ListQueueBroker(redis_url, queue_name=f"{key_prefix}:tasks")
            if redis_url
            else InMemoryBroker(propagate_exceptions=False)
        )
        self.backend = "redis" if redis_url else "memory"
        self._receiver: asyncio.Task[None] | None = None

    def task(
        self, name: str, function: Callable[[int], Coroutine[Any, Any, None]]
    ) -> AsyncTaskiqDecoratedTask[[int], Coroutine[Any, Any, None]]:
        """Register `function(id)` under `name` (a closure over what it needs: taskiq renames
        the function, so it must be one of its own, not a bound method); `.kiq(id)` sends it."""
        return self.broker.register_task(function, task_name=name)

    async def start(self) -> None:
        await self.broker.startup()
        if not isinstance(self.broker, InMemoryBroker):
            self._receiver = asyncio.create_task(
                run_receiver_task(self.broker, max_async_tasks=100), name="task-receiver"
            )

    async def stop(self) -> None:
        if self._receiver is not None:
            self._receiver.cancel()
            await asyncio.wait({self._receiver}, timeout=10)
        await self.broker.shutdown()
