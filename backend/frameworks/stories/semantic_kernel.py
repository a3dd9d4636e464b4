"""Semantic Kernel: a kernel with an OpenAI chat completion service and a prompt plugin loaded
from `prompts/semantic_kernel/StoryPlugin` (skprompt.txt + config.json), invoked as a kernel
function."""

from __future__ import annotations

from collections.abc import AsyncIterator

from openai import AsyncOpenAI
from semantic_kernel.connectors.ai.open_ai import OpenAIChatPromptExecutionSettings
from semantic_kernel.functions import KernelArguments, KernelFunction

from backend.core.names import FrameworkName
from backend.frameworks.base import GenerationSettings, TextDelta, require_text
from backend.frameworks.connectors import kernel_with_plugin
from backend.frameworks.stories.base import StoryBrief, StoryDraft

SERVICE_ID = "story-model"


class SemanticKernelStories:
    name = FrameworkName.SEMANTIC_KERNEL
    calls_per_story = 1
    prompt_folder: tuple[str, ...] = ("semantic_kernel", "StoryPlugin")

    def __init__(self, client: AsyncOpenAI, settings: GenerationSettings) -> None:
        self._settings = settings
        self._kernel, plugin = kernel_with_plugin(client, settings, SERVICE_ID, "StoryPlugin")
        self._write_story: KernelFunction = plugin["WriteStory"]

    def _execution_settings(self) -> OpenAIChatPromptExecutionSettings:
        settings = OpenAIChatPromptExecutionSettings(
            service_id=SERVICE_ID, temperature=self._settings.temperature
        )
        settings.max_tokens = self._settings.max_tokens
        return settings

    async def write_story(self, brief: StoryBrief) -> StoryDraft:
        arguments = KernelArguments(settings=self._execution_settings(), **brief.prompt_variables())
        result = await self._kernel.invoke(self._write_story, arguments)
        return StoryDraft(text=require_text(str(result) if result is not None else None))

    async def stream_story(self, brief: StoryBrief) -> AsyncIterator[TextDelta]:
        arguments = KernelArguments(settings=self._execution_settings(), **brief.prompt_variables())
        async for chunk in self._kernel.invoke_stream(self._write_story, arguments):
            if isinstance(chunk, list) and chunk:
                text = str(chunk[0])
                if text:
                    yield TextDelta(text=text)
