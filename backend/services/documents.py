"""Documents: upload (type by content, size while reading, text into the database), list,
delete, and prompt runs over one or more documents, recorded whether they succeed or not."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.aio import closing, finish_anyway
from backend.core.context import current_transaction_guid
from backend.core.errors import (
    AppError,
    NotFoundError,
    PayloadTooLargeError,
    UnprocessableError,
)
from backend.core.names import FrameworkName, Operation
from backend.core.text import storable
from backend.db.paging import page_of
from backend.frameworks.base import ContextWindow, count_tokens, require_text
from backend.frameworks.documents.base import (
    DocumentFramework,
    DocumentTask,
    chunk_budget,
    split_document,
)
from backend.models import ContextExecution, Document
from backend.services.document_text import check_filename, extract, sniff
from backend.services.metering import Meter, MeteredUnit
from backend.services.rate_limits import Budget, RateLimits
from backend.services.spend_caps import SpendPlan

COPY_CHUNK = 1024 * 1024


class Readable(Protocol):
    """An upload as it arrives (FastAPI's `UploadFile` is one)."""

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class RunText:
    text: str


@dataclass(frozen=True)
class RunStep:
    step: str


@dataclass(frozen=True)
class RunFinished:
    execution: ContextExecution


RunEvent = RunText | RunStep | RunFinished


class RunFailedError(AppError):
    """A run that failed after it was recorded: the API error it stands for, and the record."""

    def __init__(self, error: AppError, execution: ContextExecution) -> None:
        super().__init__(error.message, details=error.details, headers=error.headers)
        self.status_code = error.status_code
        self.code = error.code
        self.error_type = error.error_type
        self.execution = execution


class DocumentService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        meter: Meter,
        frameworks: Mapping[FrameworkName, DocumentFramework],
        window: ContextWindow,
        max_chunks: int,
        rate_limits: RateLimits,
    ) -> None:
        self._rate_limits = rate_limits
        self._sessions = sessions
        self._meter = meter
        self._frameworks = frameworks
        self._window = window
        self._max_chunks = max_chunks

    async def upload(
        self,
        session: AsyncSession,
        owner_id: int,
        filename: str,
        source: Readable,
        max_bytes: int,
    ) -> Document:
        """Copy an upload to a private temporary file (refused past `max_bytes` while it is
        still arriving), then `store` it. The file itself is never kept."""
        filename = check_filename(filename)
        with tempfile.TemporaryDirectory(prefix="fastapillm-upload-") as folder:
            path = Path(folder) / "upload"
            size = 0
            with path.open("wb") as handle:
                while chunk := await source.read(COPY_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLargeError(f"The file is larger than {max_bytes} bytes.")
                    handle.write(chunk)
            return await self.store(session, owner_id, filename, path, size)

    async def store(
        self, session: AsyncSession, owner_id: int, filename: str, path: Path, size: int
    ) -> Document:
        """Recognise, extract and keep a file's text. Nothing is stored if any step fails."""
        started = time.perf_counter()

        def read() -> tuple[str, str, int | None, str]:
            file_type = sniff(path, filename)
            extracted = extract(path, file_type)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            return file_type, extracted.text, extracted.pages, digest

        file_type, text, pages, digest = await asyncio.to_thread(read)
        document = Document(
            public_id=f"ctx_{secrets.token_hex(8)}",
            user_id=owner_id,
            filename=Path(filename).name[:255],
            file_type=file_type,
            size_bytes=size,
            sha256=digest,
            text=text,
            characters=len(text),
            tokens=count_tokens(text),
            pages=pages,
            processing_time_ms=(time.perf_counter() - started) * 1000,
        )
        session.add(document)
        await session.commit()
        return document

    async def get(self, session: AsyncSession, owner_id: int, public_id: str) -> Document:
        document = (
            await session.execute(select(Document).where(Document.public_id == public_id))
        ).scalar_one_or_none()
        if document is None or document.user_id != owner_id:
            raise NotFoundError(f"File {public_id} was not found.")
        return document

    async def list_page(
        self, session: AsyncSession, owner_id: int, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        query = (
            select(Document)
            .where(Document.user_id == owner_id)
            .order_by(Document.created_at.desc(), Document.id.desc())
        )
        return await page_of(session, query, skip=skip, limit=limit)

    async def delete(self, session: AsyncSession, owner_id: int, public_id: str) -> None:
        await session.delete(await self.get(session, owner_id, public_id))
        await session.commit()

    async def run(
        self,
        owner_id: int,
        file_ids: Sequence[str],
        framework: FrameworkName,
        system_prompt: str,
        user_prompt: str,
    ) -> AsyncIterator[RunEvent]:
        """Stream a run's final answer, then its record. Failures are recorded first and then
        raised as `RunFailedError`. The documents are read in one short transaction and the
        run saved in another: no connection is held while the model works."""
        started = time.perf_counter()
        async with self._sessions() as session:
            documents = [await self.get(session, owner_id, file_id) for file_id in file_ids]
        text = "\n\n".join(f"# {doc.filename}\n{doc.text}" for doc in documents)
        execution = ContextExecution(
            user_id=owner_id,
            file_ids=",".join(doc.public_id for doc in documents),
            framework=framework.value,
            system_prompt=system_prompt,
            user_prompt=user_prompt,
            status="failed",
            strategy="single",
            file_processing_time_ms=sum(doc.processing_time_ms for doc in documents),
            transaction_guid=current_transaction_guid(),
        )
        engine = self._frameworks[framework]
        budget = chunk_budget(self._window, system_prompt, user_prompt)
        chunks = split_document(text, budget)
        execution.chunks = max(1, len(chunks))
        execution.strategy = "map_reduce" if len(chunks) > 1 else "single"
        limit_error = self._limit_error(engine, chunks, budget, count_tokens(text))
        planned = 1 if len(chunks) <= 1 else len(chunks) + 1
        if limit_error is None:
            # A run costs what it will send: one call per chunk plus the reduce, counted
            # against the caller's generation budget before any of them leaves. A run larger
            # than a whole window's budget takes all of it (rather than never running).
            cost = min(planned, self._rate_limits.capacity(Budget.GENERATION))
            await self._rate_limits.hit(Budget.GENERATION, f"user:{owner_id}", cost=cost)
        answer_tokens = self._window.max_answer_tokens
        # The most the run can spend: every chunk with the prompts, the reduce reading every
        # partial answer, and a full-length answer from each call.
        plan = SpendPlan(
            calls=planned,
            input_tokens=count_tokens(text)
            + planned * (count_tokens(system_prompt) + count_tokens(user_prompt))
            + (planned - 1) * answer_tokens,
            output_tokens=planned * answer_tokens,
        )
        unit = self._meter.unit(Operation.DOCUMENT_RUN, framework.value, owner_id, plan)
        # The record is saved after the unit has closed every attempt, so its totals are
        # those of all its ledger rows, on every path.
        try:
            async with unit:
                if limit_error is not None:
                    raise limit_error
                parts: list[str] = []
                task = DocumentTask(system_prompt, user_prompt, chunks)
                async with closing(engine.run(task)) as deltas:
                    async for delta in deltas:
                        if delta.step:
                            yield RunStep(delta.step)
                        if delta.text:
                            parts.append(delta.text)
                            yield RunText(delta.text)
                answer = storable(require_text("".join(parts)))
        except Exception as exc:
            raise await self._failed(unit, execution, unit.failure(exc), started) from exc
        except BaseException:  # the client went away: the run is kept as cancelled
            await self._failed(unit, execution, None, started)
            raise
        execution.status = "completed"
        execution.response = answer
        await self._save(unit, execution, started)
        yield RunFinished(execution)

    def _limit_error(
        self, engine: DocumentFramework, chunks: list[str], budget: int, tokens: int
    ) -> AppError | None:
        if not chunks:
            return UnprocessableError(
                f"The prompts leave no room for the document in a {self._window.context_tokens}"
                "-token window: shorten them."
            )
        if len(chunks) > 1 and not engine.supports_map_reduce:
            return UnprocessableError(
                f"The document is about {tokens} tokens; {engine.name.value} runs take at most "
                f"{budget} tokens of document in this model's window. Use LangChain or "
                "LangGraph, which map-reduce over long documents."
            )
        if len(chunks) > self._max_chunks:
            return UnprocessableError(
                f"The document needs {len(chunks)} chunks of about {budget} tokens; the limit "
                f"is {self._max_chunks} (DOCUMENT_MAX_CHUNKS)."
            )
        return None

    async def _failed(
        self,
        unit: MeteredUnit,
        execution: ContextExecution,
        error: AppError | None,
        started: float,
    ) -> RunFailedError:
        execution.status = "failed" if error else "cancelled"
        execution.error_code = error.code if error else "CANCELLED"
        execution.error_message = (error.message if error else "Stopped before the answer.")[:500]
        await finish_anyway(self._save(unit, execution, started))
        return RunFailedError(error or UnprocessableError("The client went away."), execution)

    async def _save(self, unit: MeteredUnit, execution: ContextExecution, started: float) -> None:
        """The run and its ledger rows' owner, in one short transaction."""
        totals = unit.totals()
        execution.input_tokens = totals.input_tokens
        execution.output_tokens = totals.output_tokens
        execution.estimated_cost_usd = totals.cost_usd
        execution.llm_execution_time_ms = unit.elapsed_ms
        execution.total_execution_time_ms = (time.perf_counter() - started) * 1000
        async with self._sessions() as session:
            session.add(execution)
            await session.flush()
            await unit.attach(session, context_execution_id=execution.id)
            await session.commit()

    async def executions(
        self, session: AsyncSession, owner_id: int, *, skip: int, limit: int
    ) -> tuple[list[ContextExecution], int]:
        query = (
            select(ContextExecution)
            .where(ContextExecution.user_id == owner_id)
            .order_by(ContextExecution.created_at.desc(), ContextExecution.id.desc())
        )
        return await page_of(session, query, skip=skip, limit=limit)

    async def execution(
        self, session: AsyncSession, owner_id: int, execution_id: int
    ) -> ContextExecution:
        found = await session.get(ContextExecution, execution_id)
        if found is None or found.user_id != owner_id:
            raise NotFoundError(f"Execution {execution_id} was not found.")
        return found
