"""Upgrading keeps the data: rows made before the write-ahead ledger migration (0006) keep
their links (a ledger row to its chat message, a message to its conversation), answers get
the question they reply to, on SQLite (where the migration rebuilds tables) and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from backend.db.migrate import alembic_config
from tests.utils.app import AppClient
from tests.utils.stories import generate

SEED = [
    "INSERT INTO users (id, email, password_hash, is_admin, is_active, created_at) "
    "VALUES (1, 'a@example.com', 'x', true, true, CURRENT_TIMESTAMP)",
    "INSERT INTO conversations (id, user_id, title, framework, created_at, updated_at) "
    "VALUES (1, 1, 't', 'langchain', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO chat_messages (id, conversation_id, role, content, input_tokens, "
    "output_tokens, estimated_cost_usd, created_at) "
    "VALUES (1, 1, 'user', 'q', 0, 0, 0, CURRENT_TIMESTAMP)",
    "INSERT INTO chat_messages (id, conversation_id, role, content, input_tokens, "
    "output_tokens, estimated_cost_usd, created_at) "
    "VALUES (2, 1, 'assistant', 'a', 3, 4, 7, CURRENT_TIMESTAMP)",
    "INSERT INTO llm_calls (id, user_id, transaction_guid, operation, framework, provider, "
    "model, attempt, status, input_tokens, output_tokens, cached_tokens, tokens_estimated, "
    "cost_usd, price_source, latency_ms, chat_message_id, created_at) "
    "VALUES (1, 1, 'g', 'chat', 'langchain', 'p', 'm', 1, 'ok', 3, 4, 0, false, 7, 'x', 1.0, "
    "2, CURRENT_TIMESTAMP)",
]


async def test_upgrading_keeps_ledger_links_and_messages(database_url: str) -> None:
    config = alembic_config(database_url)
    await asyncio.to_thread(command.upgrade, config, "0005")
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in SEED:
                await connection.execute(text(statement))
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as connection:
            link = (
                await connection.execute(text("SELECT chat_message_id FROM llm_calls"))
            ).scalar_one()
            messages = (
                await connection.execute(
                    text("SELECT id, role, reply_to_id FROM chat_messages ORDER BY id")
                )
            ).all()
    finally:
        await engine.dispose()
    assert link == 2
    assert [tuple(row) for row in messages] == [(1, "user", None), (2, "assistant", 1)]


async def test_a_deleted_conversation_id_is_never_given_to_another(client: AppClient) -> None:
    first = (await client.post("/api/chat/langchain", json={"message": "one"})).json()
    second = (await client.post("/api/chat/langchain", json={"message": "two"})).json()
    deleted = second["conversation_id"]
    assert (await client.delete(f"/api/chat/conversations/{deleted}")).status_code == 204
    third = (await client.post("/api/chat/langchain", json={"message": "three"})).json()
    assert third["conversation_id"] > deleted > first["conversation_id"]
    assert third["message_id"] > second["message_id"]
    old_link = await client.get(f"/api/chat/conversations/{deleted}")
    assert old_link.status_code == 404

    story = (await generate(client, "langchain")).json()
    assert (await client.delete("/api/stories")).status_code == 200
    assert (await generate(client, "langchain")).json()["id"] > story["id"]
