"""Document upload and prompt-run shapes (field names follow the API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from backend.core.names import FrameworkName
from backend.models import ContextExecution, Document
from backend.schemas.common import NOT_BLANK, StrictModel, from_record, spend_fields

FILE_ID = r"^ctx_[0-9a-f]{16}$"


class UploadResponse(BaseModel):
    file_id: str
    filename: str
    file_type: Literal["pdf", "docx", "txt", "md"]
    file_size_bytes: int
    processed_content_length: int
    pages: int | None
    estimated_tokens: int
    processing_time_ms: float
    created_at: datetime


class DocumentListResponse(BaseModel):
    files: list[UploadResponse]
    total: int
    skip: int
    limit: int


class ExecuteRequest(StrictModel):
    """Exactly one of `file_id` or `file_ids`."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"oneOf": [{"required": ["file_id"]}, {"required": ["file_ids"]}]},
    )

    file_id: Annotated[str, Field(pattern=FILE_ID)] | SkipJsonSchema[None] = None
    file_ids: (
        Annotated[list[Annotated[str, Field(pattern=FILE_ID)]], Field(min_length=1, max_length=10)]
        | SkipJsonSchema[None]
    ) = Field(default=None, description="several documents at once")
    system_prompt: str = Field(min_length=1, max_length=8000, pattern=NOT_BLANK)
    user_prompt: str = Field(min_length=1, max_length=8000, pattern=NOT_BLANK)
    framework: FrameworkName

    @model_validator(mode="after")
    def _one_source(self) -> ExecuteRequest:
        if (self.file_id is None) == (self.file_ids is None):
            raise ValueError("give file_id or file_ids, not both or neither")
        return self

    @property
    def all_file_ids(self) -> list[str]:
        return list(dict.fromkeys(self.file_ids or [self.file_id or ""]))


class ExecutionResponse(BaseModel):
    execution_id: int
    status: Literal["completed", "failed", "cancelled"] = Field(
        description="cancelled: the client stopped the run (its calls' spend is kept)"
    )
    response: str | None
    framework: FrameworkName
    file_ids: list[str]
    system_prompt: str
    user_prompt: str
    strategy: Literal["single", "map_reduce"]
    chunks: int
    error_code: str | None
    error_message: str | None
    file_processing_time_ms: float
    llm_execution_time_ms: float
    total_execution_time_ms: float
    input_tokens: int
    output_tokens: int
    total_tokens: int
    estimated_cost_usd: float
    transaction_guid: str
    created_at: datetime


class ExecutionListResponse(BaseModel):
    executions: list[ExecutionResponse]
    total: int
    skip: int
    limit: int


def execution_response(execution: ContextExecution) -> ExecutionResponse:
    return from_record(
        ExecutionResponse,
        execution,
        execution_id=execution.id,
        framework=FrameworkName(execution.framework),
        file_ids=execution.file_ids.split(","),
        **spend_fields(execution),
    )


def upload_response(document: Document) -> UploadResponse:
    return from_record(
        UploadResponse,
        document,
        file_id=document.public_id,
        file_size_bytes=document.size_bytes,
        processed_content_length=document.characters,
        estimated_tokens=document.tokens,
    )
