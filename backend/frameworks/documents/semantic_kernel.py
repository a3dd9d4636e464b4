"""Semantic Kernel over documents: a prompt plugin (DocumentPlugin/Answer) invoked as a kernel
function. It answers documents that fit the window; longer ones are refused with the limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

from openai import AsyncOpenAI
from semantic_kernel.connectors.ai.open_ai import OpenAIChatPromptExecutionSettings
from semantic_kernel.functions import KernelArguments

from backend.core.names import FrameworkName
from backend.frameworks.base import ContextWindow, GenerationSettings, TextDelta
from backend.frameworks.connectors import kernel_with_plugin
from backend.frameworks.documents.base import DocumentTask

SERVICE_ID = "document-model"


class SemanticKernelDocuments:
    name = FrameworkName.SEMANTIC_KERNEL
    supports_map_reduce = False

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings, window: ContextWindow):
        self._kernel, plugin = kernel_with_plugin(client, settings, SERVICE_ID, "DocumentPlugin")
        self._answer = plugin["Answer"]
        self._settings = settings
        self._window = window

    async def run(self, task: DocumentTask) -> AsyncIterator[TextDelta]:
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
                yield TextDelta(text=str(chunk[0]))
