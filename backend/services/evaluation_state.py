"""What an evaluation run's rows say, and every change to them the worker makes: claiming a run,
an item's state as it is written, how the run ended, and giving runs back to the queue. Each
change is one short transaction, guarded by the state it expects, so two processes (or a
cancel racing the worker) never both win."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Update, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.logging import get_logger
from backend.core.names import ItemStatus, RunStatus
from backend.models import AppInstance, ComparisonVerdict, EvaluationItem, EvaluationRun

log = get_logger(__name__)


class RunRows:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], instance_id: str) -> None:
        self._sessions = sessions
        self._instance_id = instance_id

    async def claim(self, run_id: int) -> bool:
        """`queued` → `running` for this process; items a dead process left mid-story are
        pending again. False when another process has the run or it was cancelled."""
        async with self._sessions() as session:
            claimed = await session.execute(
                update(EvaluationRun)
                .where(EvaluationRun.id == run_id, EvaluationRun.status == RunStatus.QUEUED.value)
                .values(
                    status=RunStatus.RUNNING.value,
                    instance_id=self._instance_id,
                    error=None,
                    started_at=func.coalesce(EvaluationRun.started_at, func.now()),
                )
            )
            await session.execute(_items_back_to_pending(run_id))
            await session.commit()
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def load(self, run_id: int) -> tuple[EvaluationRun, list[EvaluationItem]]:
        """The run and its items still to write, in order."""
        async with self._sessions() as session:
            run = await session.get(EvaluationRun, run_id)
            assert run is not None
            pending = await session.scalars(
                select(EvaluationItem)
                .where(
                    EvaluationItem.run_id == run_id,
                    EvaluationItem.status == ItemStatus.PENDING.value,
                )
                .order_by(EvaluationItem.id)
            )
            return run, list(pending)

    async def still_running(self, run_id: int) -> bool:
        """False once the run was cancelled (here or on another replica)."""
        async with self._sessions() as session:
            status = await session.scalar(
                select(EvaluationRun.status).where(EvaluationRun.id == run_id)
            )
        return status == RunStatus.RUNNING.value

    async def set_item(self, item_id: int, *, status: ItemStatus, **values: object) -> None:
        changes: dict[str, object] = {
            "status": status.value,
            "updated_at": datetime.now(UTC),
            **values,
        }
        if status == ItemStatus.RUNNING:
            changes["attempts"] = EvaluationItem.attempts + 1
        async with self._sessions() as session:
            await session.execute(
                update(EvaluationItem).where(EvaluationItem.id == item_id).values(**changes)
            )
            await session.commit()

    async def comparison(self, comparison_id: str) -> tuple[list[str], bool]:
        """A brief's items' states, and whether the judge has scored them."""
        async with self._sessions() as session:
            statuses = await session.scalars(
                select(EvaluationItem.status).where(EvaluationItem.comparison_id == comparison_id)
            )
            judged = await session.scalar(
                select(ComparisonVerdict.id).where(ComparisonVerdict.comparison_id == comparison_id)
            )
            return list(statuses), judged is not None

    async def comparisons(self, run_id: int) -> list[str]:
        """The run's briefs-and-repetitions, in the order they were planned."""
        async with self._sessions() as session:
            found = await session.scalars(
                select(EvaluationItem.comparison_id)
                .where(EvaluationItem.run_id == run_id)
                .group_by(EvaluationItem.comparison_id)
                .order_by(func.min(EvaluationItem.id))
            )
            return list(found)

    async def interrupted(self, run_id: int) -> None:
        """Stories cut off by a cancel or a shutdown are written again when the run resumes."""
        async with self._sessions() as session:
            await session.execute(_items_back_to_pending(run_id))
            await session.commit()

    async def finish(self, run_id: int, ended: RunStatus, reason: str | None) -> None:
        """Record how the run ended, unless it was cancelled meanwhile (that stands)."""
        async with self._sessions() as session:
            await session.execute(
                update(EvaluationRun)
                .where(EvaluationRun.id == run_id, EvaluationRun.status == RunStatus.RUNNING.value)
                .values(
                    status=ended.value,
                    error=reason[:500] if reason else None,
                    instance_id=None,
                    finished_at=datetime.now(UTC) if ended == RunStatus.DONE else None,
                )
            )
            await session.commit()
        log.info("evaluation_run_ended", run_id=run_id, status=ended.value)

    async def requeue_orphans(self) -> list[int]:
        """Runs left `running` by a process that is gone (no entry in `app_instances`: the
        heartbeat sweep removes dead ones) go back to the queue; their ids are to be sent."""
        live = select(AppInstance.id)
        async with self._sessions() as session:
            orphans = list(
                await session.scalars(
                    select(EvaluationRun.id).where(
                        EvaluationRun.status == RunStatus.RUNNING.value,
                        EvaluationRun.instance_id.is_(None)
                        | EvaluationRun.instance_id.not_in(live),
                    )
                )
            )
            if orphans:
                await session.execute(
                    update(EvaluationRun)
                    .where(
                        EvaluationRun.id.in_(orphans),
                        EvaluationRun.status == RunStatus.RUNNING.value,
                    )
                    .values(status=RunStatus.QUEUED.value, instance_id=None)
                )
                await session.commit()
                log.warning("evaluation_runs_requeued", runs=orphans)
        return orphans

    async def queued(self) -> list[int]:
        """At start-up: queued runs (an in-process queue forgot them when the process ended)."""
        async with self._sessions() as session:
            found = await session.scalars(
                select(EvaluationRun.id).where(EvaluationRun.status == RunStatus.QUEUED.value)
            )
            return list(found)


def _items_back_to_pending(run_id: int) -> Update:
    return (
        update(EvaluationItem)
        .where(EvaluationItem.run_id == run_id, EvaluationItem.status == ItemStatus.RUNNING.value)
        .values(status=ItemStatus.PENDING.value)
    )
