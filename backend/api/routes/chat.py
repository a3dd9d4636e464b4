"""Chat with any framework: a turn (plain or streamed), and the caller's conversations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

from fastapi import APIRouter, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.api import sse
from backend.api.deps import (
    GENERAL_LIMIT,
    GENERATION_LIMIT,
    CurrentPrincipal,
    RuntimeDep,
    SessionDep,
)
from backend.api.framework_routes import add_per_framework
from backend.api.params import IdPath, Limit, SearchText, Skip
from backend.api.responses import GENERATION, errors
from backend.core.names import FrameworkName
from backend.schemas.chat import (
    ChatRequest,
    ChatResponse,
    ConversationDetail,
    ConversationListResponse,
    ConversationRename,
    chat_response,
    conversation_detail,
    conversation_out,
)
from backend.schemas.events import ChatStreamEvent
from backend.services import conversations
from backend.services.chat import ChatDone, ChatEvent, ChatText

router = APIRouter(prefix="/api/chat", tags=["chat"])

ConversationId = IdPath


async def final_turn(events: AsyncIterator[ChatEvent]) -> ChatResponse:
    """The answer of a plain (not streamed) turn: the last event."""
    async for item in events:
        if isinstance(item, ChatDone):
            return chat_response(item.result.conversation, item.result.assistant_message)
    raise RuntimeError("a chat turn ended without an answer")  # pragma: no cover


def to_sse(framework: str, item: ChatEvent) -> ServerSentEvent:
    tag = {"framework": framework}
    if isinstance(item, ChatText):
        return sse.event(sse.EventName.TOKEN, {**tag, "text": item.text})
    return sse.event(
        sse.EventName.DONE,
        {
            **tag,
            "chat": chat_response(
                item.result.conversation, item.result.assistant_message
            ).model_dump(mode="json"),
        },
    )


def _turn_endpoint(framework: FrameworkName) -> Callable[..., Awaitable[ChatResponse]]:
    async def chat(
        body: ChatRequest, principal: CurrentPrincipal, runtime: RuntimeDep
    ) -> ChatResponse:
        return await final_turn(
            runtime.chat.turn(principal.user_id, framework, body.message, body.conversation_id)
        )

    return chat


def _stream_endpoint(framework: FrameworkName) -> Callable[..., Awaitable[EventSourceResponse]]:
    async def chat_stream(
        body: ChatRequest, principal: CurrentPrincipal, runtime: RuntimeDep
    ) -> EventSourceResponse:
        await runtime.chat.admit(principal.user_id)
        start = {
            "framework": framework.value,
            "conversation_id": body.conversation_id,
        }
        events = runtime.chat.turn(
            principal.user_id, framework, body.message, body.conversation_id, stream=True
        )
        tag = {"framework": framework.value}
        producer = partial(sse.pump, tag=tag, events=events, to_event=partial(to_sse, framework))
        return sse.respond(runtime.settings.sse_ping_seconds, start, [producer])

    return chat_stream


add_per_framework(
    router,
    _turn_endpoint,
    operation_id="chat_{framework}",
    summary="Chat with {name}",
    response_model=ChatResponse,
    responses={**GENERATION, **errors(404)},
    dependencies=GENERATION_LIMIT,
)
add_per_framework(
    router,
    _stream_endpoint,
    suffix="/stream",
    operation_id="chat_stream_{framework}",
    summary="Chat with {name}, streamed",
    events=ChatStreamEvent,
    dependencies=GENERATION_LIMIT,
)


@router.get(
    "/conversations",
    responses=errors(401, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def list_conversations(
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
    skip: Skip = 0,
    limit: Limit = 20,
    q: SearchText = None,
) -> ConversationListResponse:
    """Newest first, with message count and a preview of the last message."""
    summaries, total = await conversations.list_conversations(
        session, principal.user_id, skip=skip, limit=limit, query=(q or "").strip() or None
    )
    return ConversationListResponse(
        conversations=[
            conversation_out(s.conversation, s.message_count, s.last_message_preview)
            for s in summaries
        ],
        total=total,
        skip=skip,
        limit=limit,
    )


@router.get(
    "/conversations/{conversation_id}",
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def get_conversation(
    conversation_id: ConversationId,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ConversationDetail:
    conversation = await conversations.load_conversation(
        session, principal.user_id, conversation_id
    )
    return conversation_detail(conversation)


@router.patch(
    "/conversations/{conversation_id}",
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def rename_conversation(
    conversation_id: ConversationId,
    body: ConversationRename,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> ConversationDetail:
    conversation = await conversations.rename_conversation(
        session, principal.user_id, conversation_id, body.title
    )
    return conversation_detail(conversation)


@router.post(
    "/conversations/{conversation_id}/regenerate",
    responses={**GENERATION, **errors(400, 404)},
    dependencies=GENERATION_LIMIT,
)
async def regenerate_last_answer(
    conversation_id: ConversationId,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    framework: FrameworkName | None = None,
) -> ChatResponse:
    """Answer the last question again (with `framework`, or the conversation's current one).
    The earlier answers are kept as versions of the reply (`reply_to_id`)."""
    return await final_turn(runtime.chat.regenerate(principal.user_id, conversation_id, framework))


@router.post(
    "/conversations/{conversation_id}/regenerate/stream",
    response_class=sse.EventStreamResponse,
    responses={**GENERATION, **sse.sse_response(ChatStreamEvent)},
    dependencies=GENERATION_LIMIT,
)
async def regenerate_last_answer_stream(
    conversation_id: ConversationId,
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    framework: FrameworkName | None = None,
) -> EventSourceResponse:
    """As `regenerate`, streamed: `token` events, then `done` with the new version (an
    unknown conversation arrives as an `error` event)."""
    await runtime.chat.admit(principal.user_id)
    label = framework.value if framework else None
    start = {
        "framework": label,
        "conversation_id": conversation_id,
    }
    events = runtime.chat.regenerate(principal.user_id, conversation_id, framework, stream=True)
    producer = partial(
        sse.pump, tag={"framework": label}, events=events, to_event=partial(to_sse, label or "")
    )
    return sse.respond(runtime.settings.sse_ping_seconds, start, [producer])


@router.delete(
    "/conversations/{conversation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404, 422, 429),
    dependencies=GENERAL_LIMIT,
)
async def delete_conversation(
    conversation_id: ConversationId,
    principal: CurrentPrincipal,
    session: SessionDep,
    runtime: RuntimeDep,
) -> None:
    """Its ledger rows stay: the spend happened."""
    await conversations.delete_conversation(session, principal.user_id, conversation_id)
