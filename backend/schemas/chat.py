"""Chat shapes (field names follow the API contract: message, conversation_id, response, ...)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from backend.core.names import FrameworkName
from backend.models import ChatMessage, Conversation
from backend.schemas.common import MAX_DB_ID, NOT_BLANK, StrictModel, from_record, spend_fields
from backend.schemas.stories import LedgerCallOut

MAX_MESSAGE_CHARS = 16_000


class ChatRequest(StrictModel):
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, pattern=NOT_BLANK)
    conversation_id: int | None = Field(default=None, ge=1, le=MAX_DB_ID)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class ChatResponse(BaseModel):
    response: str
    conversation_id: int
    message_id: int
    method: FrameworkName
    generation_time_ms: float
    model_time_ms: float | None = Field(
        description="the provider's own time (the sum of the answer's ledger rows); "
        "the rest of generation_time_ms was waiting"
    )
    reply_to_id: int | None = Field(description="the question this answer replies to")
    input_tokens: int
    output_tokens: int
    total_tokens: int
    estimated_cost_usd: float
    model: str | None
    provider: str | None
    transaction_guid: str | None


class MessageOut(BaseModel):
    id: int
    role: str
    reply_to_id: int | None = Field(
        description="answers: the question answered; several answers to one question are "
        "versions of one reply (regenerated), oldest first"
    )
    content: str
    method: FrameworkName | None
    model: str | None
    provider: str | None
    input_tokens: int
    output_tokens: int
    total_tokens: int
    estimated_cost_usd: float
    generation_time_ms: float | None
    model_time_ms: float | None
    transaction_guid: str | None
    created_at: datetime
    calls: list[LedgerCallOut]


class ConversationOut(BaseModel):
    id: int
    title: str
    method: FrameworkName
    message_count: int
    last_message_preview: str | None
    created_at: datetime
    updated_at: datetime


class ConversationListResponse(BaseModel):
    conversations: list[ConversationOut]
    total: int
    skip: int
    limit: int


class ConversationDetail(BaseModel):
    id: int
    title: str
    method: FrameworkName
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut]


class ConversationRename(StrictModel):
    title: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


def chat_response(conversation: Conversation, answer: ChatMessage) -> ChatResponse:
    """A chat turn's answer as the API shows it."""
    return from_record(
        ChatResponse,
        answer,
        response=answer.content,
        conversation_id=conversation.id,
        message_id=answer.id,
        method=FrameworkName(answer.framework or conversation.framework),
        generation_time_ms=answer.generation_time_ms or 0.0,
        **spend_fields(answer),
    )


def message_out(message: ChatMessage) -> MessageOut:
    return from_record(
        MessageOut,
        message,
        method=FrameworkName(message.framework) if message.framework else None,
        calls=[LedgerCallOut.model_validate(call) for call in message.calls],
        **spend_fields(message),
    )


def conversation_detail(conversation: Conversation) -> ConversationDetail:
    """A conversation with its messages (they must be loaded)."""
    return from_record(
        ConversationDetail,
        conversation,
        method=FrameworkName(conversation.framework),
        messages=[message_out(message) for message in conversation.messages],
    )


def conversation_out(
    conversation: Conversation, messages: int, preview: str | None
) -> ConversationOut:
    return from_record(
        ConversationOut,
        conversation,
        method=FrameworkName(conversation.framework),
        message_count=messages,
        last_message_preview=preview,
    )
