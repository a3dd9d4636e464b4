"""Documents: upload, list, read, delete; prompt runs over them (plain or streamed)."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi import Path as PathParam
from sse_starlette import EventSourceResponse

from backend.api.deps import (
    GENERAL_LIMIT,
    GENERATION_LIMIT,
    CurrentPrincipal,
    RuntimeDep,
    SessionDep,
)
from backend.api.responses import GENERATION, errors
from backend.api.routes.streaming import SSE_RESPONSE, Channel, error_payload, respond, sse_event
from backend.core.context import current_request_id, current_transaction_guid
from backend.core.errors import AppError, PayloadTooLargeError, UnprocessableError
from backend.frameworks.base import FrameworkName
from backend.models import ContextExecution, Document
from backend.runtime import Runtime
from backend.schemas.documents import (
    FILE_ID,
    DocumentListResponse,
    ExecuteRequest,
    ExecutionListResponse,
    ExecutionResponse,
    UploadResponse,
)
from backend.services.documents import RunFailedError, RunFinished, RunStep, RunText

router = APIRouter(prefix="/api/context", tags=["documents"])

UPLOAD_PATH = "/api/context/upload"
COPY_CHUNK = 1024 * 1024
FileId = Annotated[str, PathParam(pattern=FILE_ID)]


def upload_response(document: Document) -> UploadResponse:
    return UploadResponse(
        file_id=document.public_id,
        filename=document.filename,
        file_type=document.file_type,
        file_size_bytes=document.size_bytes,
        processed_content_length=document.characters,
        pages=document.pages,
        estimated_tokens=document.tokens,
        processing_time_ms=document.processing_time_ms,
        created_at=document.created_at,
    )


def execution_response(execution: ContextExecution) -> ExecutionResponse:
    return ExecutionResponse(
        execution_id=execution.id,
        status=execution.status,
        response=execution.response,
        framework=FrameworkName(execution.framework),
        file_ids=execution.file_ids.split(","),
        system_prompt=execution.system_prompt,
        user_prompt=execution.user_prompt,
        strategy=execution.strategy,
        chunks=execution.chunks,
        error_code=execution.error_code,
        error_message=execution.error_message,
        file_processing_time_ms=execution.file_processing_time_ms,
        llm_execution_time_ms=execution.llm_execution_time_ms,
        total_execution_time_ms=execution.total_execution_time_ms,
        input_tokens=execution.input_tokens,
        output_tokens=execution.output_tokens,
        total_tokens=execution.input_tokens + execution.output_tokens,
        estimated_cost_usd=float(execution.estimated_cost_usd),
        transaction_guid=execution.transaction_guid,
        created_at=execution.created_at,
    )


@router.post(
    "/upload",
    status_code=status.HTTP_201_CREATED,
    response_model=UploadResponse,
    responses=errors(401, 413, 415, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="upload_document",
)
async def upload(
    file: Annotated[UploadFile, File(description="PDF, DOCX, TXT or MD")],
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> UploadResponse:
    """The file is checked by content, its text extracted and kept; the file itself is not."""
    if not file.filename:
        raise UnprocessableError("The upload has no file name.")
    limit = runtime.settings.max_upload_bytes
    with tempfile.TemporaryDirectory(prefix="fastapillm-upload-") as folder:
        path = Path(folder) / "upload"
        size = 0
        with path.open("wb") as handle:
            while chunk := await file.read(COPY_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLargeError(f"The file is larger than {limit} bytes.")
                handle.write(chunk)
        document = await runtime.documents.store(
            session, principal.user_id, file.filename, path, size
        )
    return upload_response(document)


@router.get(
    "/files",
    response_model=DocumentListResponse,
    responses=errors(401, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="list_documents",
)
async def list_documents(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> DocumentListResponse:
    rows, total = await runtime.documents.list_page(
        session, principal.user_id, skip=skip, limit=limit
    )
    return DocumentListResponse(
        files=[upload_response(row) for row in rows], total=total, skip=skip, limit=limit
    )


@router.get(
    "/files/{file_id}",
    response_model=UploadResponse,
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="get_document",
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
    operation_id="delete_document",
)
async def delete_document(
    file_id: FileId, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> None:
    """Its runs and their spend stay."""
    await runtime.documents.delete(session, principal.user_id, file_id)


@router.post(
    "/execute",
    response_model=ExecutionResponse,
    responses={**GENERATION, **errors(404)},
    dependencies=GENERATION_LIMIT,
    operation_id="execute_prompt",
)
async def execute(
    body: ExecuteRequest, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> ExecutionResponse:
    """Run system + user prompts over documents. Long documents are map-reduced by LangChain
    and LangGraph; Semantic Kernel refuses them with the limit (422). Failed runs are kept."""
    events = runtime.documents.run(
        session,
        principal.user_id,
        body.all_file_ids,
        body.framework,
        body.system_prompt,
        body.user_prompt,
    )
    try:
        async for event in events:
            if isinstance(event, RunFinished):
                return execution_response(event.execution)
    except RunFailedError as failure:
        raise failure.error from failure
    raise UnprocessableError("The run produced no answer.")  # pragma: no cover


async def _run_stream(
    runtime: Runtime, owner_id: int, body: ExecuteRequest, channel: Channel
) -> None:
    tag = {"framework": body.framework.value}
    async with channel, runtime.sessions() as session:
        try:
            async for event in runtime.documents.run(
                session,
                owner_id,
                body.all_file_ids,
                body.framework,
                body.system_prompt,
                body.user_prompt,
            ):
                if isinstance(event, RunText):
                    await channel.send(sse_event("token", {**tag, "text": event.text}))
                elif isinstance(event, RunStep):
                    await channel.send(sse_event("step", {**tag, "step": event.step}))
                else:
                    payload = execution_response(event.execution).model_dump(mode="json")
                    await channel.send(sse_event("done", {**tag, "execution": payload}))
        except RunFailedError as failure:
            payload = {**tag, **error_payload(failure.error), "execution_id": failure.execution.id}
            await channel.send(sse_event("error", payload))
        except AppError as error:
            await channel.send(sse_event("error", {**tag, **error_payload(error)}))


@router.post(
    "/execute/stream",
    response_class=EventSourceResponse,
    responses={**GENERATION, **SSE_RESPONSE},
    dependencies=GENERATION_LIMIT,
    operation_id="execute_prompt_stream",
)
async def execute_stream(
    body: ExecuteRequest, principal: CurrentPrincipal, runtime: RuntimeDep
) -> EventSourceResponse:
    start = {
        "framework": body.framework.value,
        "transaction_guid": current_transaction_guid(),
        "request_id": current_request_id(),
    }
    return respond(
        runtime.settings.sse_ping_seconds,
        start,
        [partial(_run_stream, runtime, principal.user_id, body)],
    )


@router.get(
    "/executions",
    response_model=ExecutionListResponse,
    responses=errors(401, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="list_executions",
)
async def list_executions(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
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
    response_model=ExecutionResponse,
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="get_execution",
)
async def get_execution(
    execution_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ExecutionResponse:
    found = await runtime.documents.execution(session, principal.user_id, execution_id)
    return execution_response(found)
