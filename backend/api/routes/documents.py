"""Documents: upload, list, read, delete; prompt runs over them (plain or streamed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile, status
from fastapi import Path as PathParam
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.api import sse
from backend.api.deps import (
    GENERAL_LIMIT,
    GENERATION_SLOT,
    CurrentPrincipal,
    RuntimeDep,
    SessionDep,
)
from backend.api.params import IdPath, Limit, Skip
from backend.api.responses import GENERATION, errors
from backend.core.errors import UnprocessableError
from backend.runtime import Runtime
from backend.schemas.documents import (
    FILE_ID,
    DocumentListResponse,
    ExecuteRequest,
    ExecutionListResponse,
    ExecutionResponse,
    UploadResponse,
    execution_response,
    upload_response,
)
from backend.schemas.events import ExecutionStreamEvent
from backend.services.documents import RunEvent, RunFailedError, RunFinished, RunStep, RunText

router = APIRouter(prefix="/api/context", tags=["documents"])

UPLOAD_PATH = "/api/context/upload"
FileId = Annotated[str, PathParam(pattern=FILE_ID)]


@router.post(
    "/upload",
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 413, 415, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def upload_document(
    file: Annotated[UploadFile, File(description="PDF, DOCX, TXT or MD")],
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> UploadResponse:
    """The file is checked by content, its text extracted and kept; the file itself is not."""
    if not file.filename:
        raise UnprocessableError("The upload has no file name.")
    document = await runtime.documents.upload(
        session, principal.user_id, file.filename, file, runtime.settings.max_upload_bytes
    )
    return upload_response(document)


@router.get(
    "/files",
    responses=errors(401, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def list_documents(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    skip: Skip = 0,
    limit: Limit = 50,
) -> DocumentListResponse:
    rows, total = await runtime.documents.list_page(
        session, principal.user_id, skip=skip, limit=limit
    )
    return DocumentListResponse(
        files=[upload_response(row) for row in rows], total=total, skip=skip, limit=limit
    )


@router.get(
    "/files/{file_id}",
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def get_document(
    file_id: FileId, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> UploadResponse:
    return upload_response(await runtime.documents.get(session, principal.user_id, file_id))


@router.delete(
    "/files/{file_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def delete_document(
    file_id: FileId, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Its runs and their spend stay."""
    await runtime.documents.delete(session, principal.user_id, file_id)


@router.post(
    "/execute",
    responses={**GENERATION, **errors(404)},
    # the run counts its planned calls against the generation budget
    dependencies=[*GENERATION_SLOT, *GENERAL_LIMIT],
)
async def execute_prompt(
    body: ExecuteRequest, principal: CurrentPrincipal, runtime: RuntimeDep
) -> ExecutionResponse:
    """Run system + user prompts over documents. Long documents are map-reduced by LangChain
    and LangGraph; Semantic Kernel refuses them with the limit (422). Failed runs are kept."""
    async for item in _run(runtime, principal.user_id, body):
        if isinstance(item, RunFinished):
            return execution_response(item.execution)
    raise RuntimeError("a document run ended without a record")  # pragma: no cover


def _run(runtime: Runtime, owner_id: int, body: ExecuteRequest) -> AsyncIterator[RunEvent]:
    return runtime.documents.run(
        owner_id, body.all_file_ids, body.framework, body.system_prompt, body.user_prompt
    )


def to_sse(framework: str, item: RunEvent) -> ServerSentEvent:
    tag = {"framework": framework}
    if isinstance(item, RunText):
        return sse.event(sse.EventName.TOKEN, {**tag, "text": item.text})
    if isinstance(item, RunStep):
        return sse.event(sse.EventName.STEP, {**tag, "step": item.step})
    payload = execution_response(item.execution).model_dump(mode="json")
    return sse.event(sse.EventName.DONE, {**tag, "execution": payload})


def _failed_run(error: Exception) -> dict[str, Any]:
    """A failed run is recorded: its error event names the record."""
    return {"execution_id": error.execution.id} if isinstance(error, RunFailedError) else {}


@router.post(
    "/execute/stream",
    response_class=sse.EventStreamResponse,
    responses={**GENERATION, **sse.sse_response(ExecutionStreamEvent)},
    # the run counts its planned calls against the generation budget
    dependencies=[*GENERATION_SLOT, *GENERAL_LIMIT],
)
async def execute_prompt_stream(
    body: ExecuteRequest, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EventSourceResponse:
    framework = body.framework.value
    start = {
        "framework": framework,
    }
    producer = partial(
        sse.pump,
        tag={"framework": framework},
        events=_run(runtime, principal.user_id, body),
        to_event=partial(to_sse, framework),
        on_failure=_failed_run,
    )
    return sse.respond(runtime.settings.sse_ping_seconds, start, [producer])


@router.get(
    "/executions",
    responses=errors(401, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def list_executions(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    skip: Skip = 0,
    limit: Limit = 20,
) -> ExecutionListResponse:
    """Newest first, failures included, with timings and cost."""
    rows, total = await runtime.documents.executions(
        session, principal.user_id, skip=skip, limit=limit
    )
    return ExecutionListResponse(
        executions=[execution_response(row) for row in rows], total=total, skip=skip, limit=limit
    )


@router.get(
    "/executions/{execution_id}",
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def get_execution(
    execution_id: IdPath,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ExecutionResponse:
    found = await runtime.documents.execution(session, principal.user_id, execution_id)
    return execution_response(found)
