"""Evaluation runs wired to the task queue: the service sends a started run as a task, the
worker takes it; at start-up, runs a restart or a dead process left behind are sent again."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from backend.core.logging import get_logger
from backend.services.evaluation_worker import EvaluationWorker
from backend.services.evaluations import EvaluationService
from backend.services.task_queue import TaskQueue

log = get_logger(__name__)

RUN_TASK = "evaluation.run"


@dataclass
class EvaluationTasks:
    service: EvaluationService
    worker: EvaluationWorker
    queue: TaskQueue
    sweeper: asyncio.Task[None]

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
        for run_id in [*await worker.rows.requeue_orphans(), *await worker.rows.queued()]:
            await send(run_id)

        async def sweep() -> None:
            while True:
                await asyncio.sleep(sweep_seconds)
                try:
                    for run_id in await worker.rows.requeue_orphans():
                        await send(run_id)
                except Exception as exc:  # a database hiccup: next time
                    log.warning("evaluation_sweep_failed", error=type(exc).__name__)

        return cls(service, worker, queue, asyncio.create_task(sweep(), name="evaluation-sweep"))

    async def stop(self) -> None:
        self.sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.sweeper
        await self.worker.stop()
        await self.queue.stop()
