"""Each framework's own model object, built on the one shared OpenAI client, so every use case
(stories, chat, documents) reaches the provider the same way: through the transport that
meters, retries and falls back."""

from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion
from semantic_kernel.functions import KernelPlugin

from backend.frameworks.base import PROMPTS_DIR, GenerationSettings


def chat_model(client: AsyncOpenAI, settings: GenerationSettings) -> ChatOpenAI:
    """A LangChain (and LangGraph) chat model on the shared client, its retries off: the
    transport retries."""
    extra_body: dict[str, Any] | None = (
        {"max_tokens": settings.max_tokens} if settings.send_legacy_max_tokens else None
    )
    return ChatOpenAI(
        model=settings.model,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        max_retries=0,
        api_key=client.api_key,
        base_url=str(client.base_url),
        root_async_client=client,
        async_client=client.chat.completions,
        extra_body=extra_body,
        stream_usage=True,
    )


def kernel_with_plugin(
    client: AsyncOpenAI, settings: GenerationSettings, service_id: str, plugin_name: str
) -> tuple[Kernel, KernelPlugin]:
    """A Semantic Kernel kernel with the shared client as its chat completion service and a
    prompt plugin loaded from `prompts/semantic_kernel/<plugin_name>` (skprompt.txt +
    config.json)."""
    kernel = Kernel()
    kernel.add_service(
        OpenAIChatCompletion(ai_model_id=settings.model, async_client=client, service_id=service_id)
    )
    plugin = kernel.add_plugin(
        parent_directory=str(PROMPTS_DIR / "semantic_kernel"), plugin_name=plugin_name
    )
    return kernel, plugin
