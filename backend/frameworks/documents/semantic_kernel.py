"""Semantic Kernel over documents: a prompt plugin (DocumentPlugin/Answer) invoked as a kernel
function. It answers documents that fit the window; longer ones are refused with the limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

from openai import AsyncOpenAI
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.open_ai import (
    OpenAIChatCompletion,
    OpenAIChatPromptExecutionSettings,
)
from semantic_kernel.functions import KernelArguments

from backend.core.names import FrameworkName
from backend.frameworks.base import PROMPTS_DIR, ContextWindow, GenerationSettings
from backend.frameworks.documents.base import DocumentDelta, DocumentTask

SERVICE_ID = "document-model"


class SemanticKernelDocuments:
    name = FrameworkName.SEMANTIC_KERNEL
    supports_map_reduce = False

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow):
        self._kernel = Kernel()
        self._kernel.add_service(
            OpenAIChatCompletion(
                ai_model_id=settings.model, async_client=client, service_id=SERVICE_ID
            )
        )
        plugin = self._kernel.add_plugin(
            parent_directory=str(PROMPTS_DIR / "semantic_kernel"), plugin_name="DocumentPlugin"
        )
        self._answer = plugin["Answer"]
        self._settings = settings
        self._window = window

    async def run(self, task: DocumentTask) -> AsyncIterator[DocumentDelta]:
        if task.map_reduce:
            raise ValueError("Semantic Kernel runs take documents that fit the window")
        settings = OpenAIChatPromptExecutionSettings(
            service_id=SERVICE_ID, temperature=self._settings.temperature
        )
        settings.max_tokens = self._window.max_answer_tokens
        arguments = KernelArguments(
            settings=settings,
            system_prompt=task.system_prompt,
            document=task.chunks[0],
            user_prompt=task.user_prompt,
        )
        async for chunk in self._kernel.invoke_stream(self._answer, arguments):
            if isinstance(chunk, list) and chunk and str(chunk[0]):
                yield DocumentDelta(text=str(chunk[0]))
