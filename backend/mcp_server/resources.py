"""Read-only resources: the caller's recent stories, one story, and their conversations."""

from __future__ import annotations

import json

from fastmcp import FastMCP

from backend.mcp_server.calls import ToolCalls
from backend.runtime import Runtime
from backend.schemas.stories import story_response
from backend.services.accounts import Principal
from backend.services.conversations import list_conversations

RECENT = 20


def register_resources(mcp: FastMCP, calls: ToolCalls) -> None:
    @mcp.resource("stories://recent", mime_type="application/json")
    async def recent_stories() -> str:
        """Your 20 newest stories: characters, framework, tokens, cost, GUID."""

        async def body(runtime: Runtime, principal: Principal) -> str:
            async with runtime.sessions() as session:
                stories, _ = await runtime.stories.list_page(
                    session, principal.user_id, skip=0, limit=RECENT, framework=None
                )
                summaries = [
                    {
                        "id": story.id,
                        "primary_character": story.primary_character,
                        "secondary_character": story.secondary_character,
                        "framework": story.framework,
                        "total_tokens": story.total_tokens,
                        "estimated_cost_usd": format(story.estimated_cost_usd, "f"),
                        "created_at": story.created_at.isoformat(),
                        "transaction_guid": story.transaction_guid,
                    }
                    for story in stories
                ]
            return json.dumps(summaries)

        return await calls.run(body)

    @mcp.resource("stories://{story_id}", mime_type="application/json")
    async def one_story(story_id: int) -> str:
        """One of your stories, with its text and ledger rows."""

        async def body(runtime: Runtime, principal: Principal) -> str:
            async with runtime.sessions() as session:
                story = await runtime.stories.get(session, principal.user_id, story_id)
                return story_response(story).model_dump_json()

        return await calls.run(body)

    @mcp.resource("conversations://recent", mime_type="application/json")
    async def conversations() -> str:
        """Your 20 newest conversations with their message counts."""

        async def body(runtime: Runtime, principal: Principal) -> str:
            async with runtime.sessions() as session:
                rows, _ = await list_conversations(
                    session, principal.user_id, skip=0, limit=RECENT, query=None
                )
            return json.dumps(
                [
                    {
                        "id": row.conversation.id,
                        "title": row.conversation.title,
                        "framework": row.conversation.framework,
                        "message_count": row.message_count,
                        "last_message_preview": row.last_message_preview,
                        "updated_at": row.conversation.updated_at.isoformat(),
                    }
                    for row in rows
                ]
            )

        return await calls.run(body)
