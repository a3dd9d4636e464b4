"""Evaluation runs wired to the task queue: the service sends a started run as a task, the
worker takes it; at start-up, and every few heartbeats after, runs a restart or a dead process
left behind are sent again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from backend.core.logging import get_logger
from backend.services.evaluation_worker import EvaluationWorker
from backend.services.evaluations import EvaluationService
from backend.services.task_queue import TaskQueue

log = get_logger(__name__)

RUN_TASK = "evaluation.run"
STOP_SECONDS = 10.0  # the longest a stop waits for a sweep to finish


class EvaluationTasks:
    def __init__(
        self,
        service: EvaluationService,
        worker: EvaluationWorker,
        queue: TaskQueue,
        send: Callable[[int], Awaitable[None]],
    ) -> None:
        self.service = service
        self.worker = worker
        self.queue = queue
        self._send = send
        self._sweeper: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @classmethod
    async def start(
        cls,
        service: EvaluationService,
        worker: EvaluationWorker,
        queue: TaskQueue,
        sweep_seconds: float,
    ) -> EvaluationTasks:
        """`sweep_seconds`: how often to look for runs whose process died (a replica that
        crashed while this one runs)."""

        async def run_evaluation(run_id: int) -> None:
            await worker.run(run_id)

        task = queue.task(RUN_TASK, run_evaluation)

        async def send(run_id: int) -> None:
            await task.kiq(run_id)

        service.send = send
        service.cancel_here = worker.cancel_here
        await queue.start()
        tasks = cls(service, worker, queue, send)
        await tasks.take_over_orphans()
        for run_id in await worker.rows.queued():
            await send(run_id)
        tasks._sweeper = asyncio.create_task(tasks._sweep(sweep_seconds), name="evaluation-sweep")
        return tasks

    async def take_over_orphans(self) -> list[int]:
        """Send again the runs left `running` by a process that is gone."""
        orphans = await self.worker.rows.requeue_orphans()
        for run_id in orphans:
            await self._send(run_id)
        return orphans

    async def _sweep(self, seconds: float) -> None:
        """Until the stop: a stop waits for a sweep under way rather than cut its transaction
        off (a cancelled query could leave its connection, and its locks, behind)."""
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
                return
            try:
                await self.take_over_orphans()
            except Exception as exc:  # a database hiccup: next time
                log.warning("evaluation_sweep_failed", error=type(exc).__name__)

    async def stop(self) -> None:
        self._stopping.set()
        if self._sweeper is not None:
            done, _ = await asyncio.wait({self._sweeper}, timeout=STOP_SECONDS)
            if not done:
                self._sweeper.cancel()
        await self.worker.stop()
        await self.queue.stop()
