"""Working through an evaluation run: its pending items with bounded concurrency, each a story
streamed through the normal metered path (ledger rows, budgets, the user's generation rate
limit), then the judge on each brief's stories once they are all written.

A run is claimed by one process (`queued` → `running`, with that process's id). Each item's
state is written as it changes (`evaluation_state.RunRows`), so a cancel, a stop or a crash
leaves a run that resumes where it was: an item interrupted mid-story goes back to `pending`
(its ledger rows say what was spent). Every ledger row of a run carries the run's GUID.
"""

from __future__ import annotations

import asyncio
import time

from backend.core.context import request_id_var, restart_request_clock, transaction_guid_var
from backend.core.errors import AppError
from backend.core.logging import get_logger
from backend.core.names import FrameworkName, ItemStatus, Operation, RunStatus
from backend.frameworks.stories.base import StoryBrief
from backend.models import EvaluationItem, EvaluationRun
from backend.services.evaluation_state import RunRows
from backend.services.judging import JudgeService
from backend.services.rate_limits import Budget, RateLimits
from backend.services.stories import StoryService, StreamDone, StreamText

log = get_logger(__name__)

# A refusal that says "not now" (the server is busy, the rate limit is spent) is waited out and
# tried again this many times before the item counts as failed.
MAX_WAITS = 30
STOPPING_CODES = {"BUDGET_EXCEEDED"}  # the run stops (resumable), the item stays pending
FINISHED = {ItemStatus.DONE.value, ItemStatus.FAILED.value}
STOP_SECONDS = 15.0  # the longest a stop waits for cancelled runs to put their items back


class StopRun(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EvaluationWorker:
    def __init__(
        self,
        rows: RunRows,
        stories: StoryService,
        judging: JudgeService,
        rate_limits: RateLimits,
    ) -> None:
        self.rows = rows
        self._stories = stories
        self._judging = judging
        self._rate_limits = rate_limits
        self._running: dict[int, asyncio.Task[None]] = {}
        self.taken: set[int] = set()  # runs this process has claimed (for tests and logs)

    async def run(self, run_id: int) -> None:
        """The task: claim the run, work through it, record how it ended."""
        if not await self.rows.claim(run_id):
            return  # another process has it, or it was cancelled meanwhile
        task = asyncio.current_task()
        assert task is not None
        self._running[run_id] = task
        self.taken.add(run_id)
        try:
            ended, reason = await self._work(run_id)
        except asyncio.CancelledError:
            await asyncio.shield(self.rows.interrupted(run_id))
            raise
        finally:
            self._running.pop(run_id, None)
        await self.rows.finish(run_id, ended, reason)

    @property
    def working(self) -> set[int]:
        """The runs this process is working on now."""
        return set(self._running)

    def cancel_here(self, run_id: int) -> None:
        """Stop a run this process is working on now (its stories in flight are cancelled)."""
        task = self._running.get(run_id)
        if task is not None:
            task.cancel()

    async def stop(self) -> None:
        """Shutting down: runs in progress stop here and are resumed at the next start."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_SECONDS)

    async def _work(self, run_id: int) -> tuple[RunStatus, str | None]:
        run, items = await self.rows.load(run_id)
        transaction_guid_var.set(run.transaction_guid)
        request_id_var.set(f"eval_{run.id}")
        places = asyncio.Semaphore(run.concurrency)
        stopped: list[str] = []

        async def one(item: EvaluationItem) -> None:
            async with places:
                if stopped or not await self.rows.still_running(run_id):
                    return
                try:
                    await self._write(run, item)
                except StopRun as stop:
                    stopped.append(stop.reason)
                    return
                if run.judge:
                    await self._judge_when_complete(run, item.comparison_id, stopped)

        await asyncio.gather(*(one(item) for item in items))
        if run.judge and not stopped:  # briefs completed before a resume, never judged
            for comparison_id in await self.rows.comparisons(run.id):
                await self._judge_when_complete(run, comparison_id, stopped)
        if stopped:
            return RunStatus.STOPPED, stopped[0]
        if not await self.rows.still_running(run_id):
            return RunStatus.CANCELLED, None
        return RunStatus.DONE, None

    async def _write(self, run: EvaluationRun, item: EvaluationItem) -> None:
        """One story, waiting out refusals that say "not now"; its outcome is the item's."""
        brief = StoryBrief(**run.briefs[item.brief_index])
        for _ in range(MAX_WAITS):
            await self.rows.set_item(item.id, status=ItemStatus.RUNNING, error=None)
            restart_request_clock()  # each story's waiting counts from its own start
            try:
                await self._rate_limits.hit(Budget.GENERATION, f"user:{run.user_id}")
                await self._stream(run, item, brief)
                return
            except AppError as error:
                if error.code in STOPPING_CODES:
                    await self.rows.set_item(
                        item.id, status=ItemStatus.PENDING, error=error.message
                    )
                    raise StopRun(error.message) from error
                if error.status_code in (429, 503) and "Retry-After" in error.headers:
                    await self.rows.set_item(
                        item.id, status=ItemStatus.PENDING, error=error.message
                    )
                    await asyncio.sleep(float(error.headers["Retry-After"]))
                    continue
                await self.rows.set_item(item.id, status=ItemStatus.FAILED, error=error.message)
                return
            except Exception as exc:  # an item's failure is its result
                log.warning("evaluation_item_failed", item_id=item.id, error=type(exc).__name__)
                await self.rows.set_item(
                    item.id, status=ItemStatus.FAILED, error=type(exc).__name__
                )
                return
        await self.rows.set_item(item.id, status=ItemStatus.FAILED, error="Refused too many times.")

    async def _stream(self, run: EvaluationRun, item: EvaluationItem, brief: StoryBrief) -> None:
        started = time.perf_counter()
        first_text: float | None = None
        stream = self._stories.stream(
            run.user_id,
            FrameworkName(item.framework),
            brief,
            item.comparison_id,
            cache=False,  # repetitions are fresh stories, or they measure nothing
            operation=Operation.EVALUATION,
        )
        async for event in stream:
            if isinstance(event, StreamText) and first_text is None:
                first_text = time.perf_counter()
            if isinstance(event, StreamDone):
                await self.rows.set_item(
                    item.id,
                    status=ItemStatus.DONE,
                    story_id=event.story.id,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    time_to_first_token_ms=(first_text - started) * 1000 if first_text else None,
                )

    async def _judge_when_complete(
        self, run: EvaluationRun, comparison_id: str, stopped: list[str]
    ) -> None:
        """Judge a brief's stories once every framework has had its go (two stories at least),
        unless they have a verdict already."""
        statuses, judged = await self.rows.comparison(comparison_id)
        if judged or not all(status in FINISHED for status in statuses):
            return
        if statuses.count(ItemStatus.DONE.value) < 2:
            return
        restart_request_clock()
        try:
            await self._judging.judge(run.user_id, comparison_id)
        except AppError as error:
            if error.code in STOPPING_CODES:
                stopped.append(error.message)
            log.warning("evaluation_judge_failed", comparison_id=comparison_id, code=error.code)
