"""Chat with any framework: a turn (plain or streamed), and the caller's conversations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sse_starlette import EventSourceResponse

from backend.api.deps import (
    GENERAL_LIMIT,
    GENERATION_LIMIT,
    CurrentPrincipal,
    RuntimeDep,
    SessionDep,
)
from backend.api.responses import GENERATION, errors
from backend.api.routes.generate import PATHS
from backend.api.routes.streaming import SSE_RESPONSE, Channel, error_payload, respond, sse_event
from backend.core.context import current_request_id, current_transaction_guid
from backend.core.errors import AppError
from backend.frameworks.base import FrameworkName
from backend.models import ChatMessage, Conversation
from backend.runtime import Runtime
from backend.schemas.chat import (
    ChatRequest,
    ChatResponse,
    ConversationDetail,
    ConversationListResponse,
    ConversationOut,
    ConversationRename,
    MessageOut,
)
from backend.schemas.stories import LedgerCallOut
from backend.services.chat import ChatDone, ChatFailed, ChatText, ChatTurnResult

router = APIRouter(prefix="/api/chat", tags=["chat"])

ConversationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def chat_response(result: ChatTurnResult) -> ChatResponse:
    answer = result.assistant_message
    return ChatResponse(
        response=answer.content,
        conversation_id=result.conversation.id,
        message_id=answer.id,
        method=FrameworkName(answer.framework or result.conversation.framework),
        generation_time_ms=answer.generation_time_ms or 0.0,
        input_tokens=answer.input_tokens,
        output_tokens=answer.output_tokens,
        total_tokens=answer.input_tokens + answer.output_tokens,
        estimated_cost_usd=float(answer.estimated_cost_usd),
        model=answer.model,
        provider=answer.provider,
        transaction_guid=answer.transaction_guid,
    )


def message_out(message: ChatMessage) -> MessageOut:
    return MessageOut(
        id=message.id,
        role=message.role,
        content=message.content,
        method=FrameworkName(message.framework) if message.framework else None,
        model=message.model,
        provider=message.provider,
        input_tokens=message.input_tokens,
        output_tokens=message.output_tokens,
        total_tokens=message.input_tokens + message.output_tokens,
        estimated_cost_usd=float(message.estimated_cost_usd),
        generation_time_ms=message.generation_time_ms,
        transaction_guid=message.transaction_guid,
        created_at=message.created_at,
        calls=[LedgerCallOut.model_validate(call) for call in message.calls],
    )


def conversation_detail(conversation: Conversation) -> ConversationDetail:
    return ConversationDetail(
        id=conversation.id,
        title=conversation.title,
        method=FrameworkName(conversation.framework),
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
        messages=[message_out(message) for message in conversation.messages],
    )


def _turn_endpoint(framework: FrameworkName) -> Callable[..., Awaitable[ChatResponse]]:
    async def chat(
        body: ChatRequest, principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
    ) -> ChatResponse:
        result = await runtime.chat.send(
            session, principal.user_id, framework, body.message, body.conversation_id
        )
        return chat_response(result)

    return chat


async def _run_chat(
    runtime: Runtime, owner_id: int, framework: FrameworkName, body: ChatRequest, channel: Channel
) -> None:
    tag = {"framework": framework.value}
    async with channel, runtime.sessions() as session:
        try:
            events = runtime.chat.stream(
                session, owner_id, framework, body.message, body.conversation_id
            )
            async for event in events:
                match event:
                    case ChatText(text=text):
                        await channel.send(sse_event("token", {**tag, "text": text}))
                    case ChatDone(result=result):
                        payload = chat_response(result).model_dump(mode="json")
                        await channel.send(sse_event("done", {**tag, "chat": payload}))
                    case ChatFailed(error=error):
                        await channel.send(sse_event("error", {**tag, **error_payload(error)}))
        except AppError as exc:  # e.g. an unknown conversation: reported in the stream
            await channel.send(sse_event("error", {**tag, **error_payload(exc)}))


def _stream_endpoint(framework: FrameworkName) -> Callable[..., Awaitable[EventSourceResponse]]:
    async def chat_stream(
        body: ChatRequest, principal: CurrentPrincipal, runtime: RuntimeDep
    ) -> EventSourceResponse:
        start = {
            "framework": framework.value,
            "conversation_id": body.conversation_id,
            "transaction_guid": current_transaction_guid(),
            "request_id": current_request_id(),
        }
        return respond(
            runtime.settings.sse_ping_seconds,
            start,
            [partial(_run_chat, runtime, principal.user_id, framework, body)],
        )

    return chat_stream


for _framework, _path in PATHS.items():
    router.add_api_route(
        f"/{_path}",
        _turn_endpoint(_framework),
        methods=["POST"],
        response_model=ChatResponse,
        responses={**GENERATION, **errors(404)},
        dependencies=GENERATION_LIMIT,
        operation_id=f"chat_{_framework.value}",
        summary=f"Chat with {_framework.value.replace('_', ' ').title()}",
    )
    router.add_api_route(
        f"/{_path}/stream",
        _stream_endpoint(_framework),
        methods=["POST"],
        response_class=EventSourceResponse,
        responses={**GENERATION, **SSE_RESPONSE},
        dependencies=GENERATION_LIMIT,
        operation_id=f"chat_stream_{_framework.value}",
        summary=f"Chat with {_framework.value.replace('_', ' ').title()}, streamed",
    )


@router.get(
    "/conversations",
    response_model=ConversationListResponse,
    responses=errors(401, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="list_conversations",
)
async def list_conversations(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    q: Annotated[
        str | None, Query(max_length=200, description="search titles and messages")
    ] = None,
) -> ConversationListResponse:
    """Newest first, with message count and a preview of the last message."""
    summaries, total = await runtime.chat.list_conversations(
        session, principal.user_id, skip=skip, limit=limit, query=(q or "").strip() or None
    )
    return ConversationListResponse(
        conversations=[
            ConversationOut(
                id=s.conversation.id,
                title=s.conversation.title,
                method=FrameworkName(s.conversation.framework),
                message_count=s.message_count,
                last_message_preview=s.last_message_preview,
                created_at=s.conversation.created_at,
                updated_at=s.conversation.updated_at,
            )
            for s in summaries
        ],
        total=total,
        skip=skip,
        limit=limit,
    )


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationDetail,
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="get_conversation",
)
async def get_conversation(
    conversation_id: ConversationId,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ConversationDetail:
    conversation = await runtime.chat.conversation(session, principal.user_id, conversation_id)
    return conversation_detail(conversation)


@router.patch(
    "/conversations/{conversation_id}",
    response_model=ConversationDetail,
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="rename_conversation",
)
async def rename_conversation(
    conversation_id: ConversationId,
    body: ConversationRename,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ConversationDetail:
    await runtime.chat.rename(session, principal.user_id, conversation_id, body.title)
    conversation = await runtime.chat.conversation(session, principal.user_id, conversation_id)
    return conversation_detail(conversation)


@router.post(
    "/conversations/{conversation_id}/regenerate",
    response_model=ChatResponse,
    responses={**GENERATION, **errors(400, 404)},
    dependencies=GENERATION_LIMIT,
    operation_id="regenerate_last_answer",
)
async def regenerate(
    conversation_id: ConversationId,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    framework: FrameworkName | None = None,
) -> ChatResponse:
    """Answer the last question again (with `framework`, or the conversation's current one)."""
    current = await runtime.chat.conversation(session, principal.user_id, conversation_id)
    chosen = framework or FrameworkName(current.framework)
    result = await runtime.chat.regenerate(session, principal.user_id, conversation_id, chosen)
    return chat_response(result)


@router.delete(
    "/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
    operation_id="delete_conversation",
)
async def delete_conversation(
    conversation_id: ConversationId,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> None:
    """Its ledger rows stay: the spend happened."""
    await runtime.chat.delete(session, principal.user_id, conversation_id)
