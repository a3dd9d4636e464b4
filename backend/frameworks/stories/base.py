"""The story interface every framework implements, and the one result shape they return."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from backend.core.names import FrameworkName
from backend.frameworks.base import TextDelta

LENGTH_WORDS = {"short": 150, "medium": 300, "long": 600}


class BriefFields(Protocol):
    """Anything that carries a brief's fields (a story request, an evaluation run's row)."""

    @property
    def primary_character(self) -> str: ...
    @property
    def secondary_character(self) -> str: ...
    @property
    def genre(self) -> str | None: ...
    @property
    def length(self) -> str | None: ...


@dataclass(frozen=True)
class StoryBrief:
    primary_character: str
    secondary_character: str
    genre: str | None = None
    length: str | None = None

    @classmethod
    def of(cls, fields: BriefFields) -> StoryBrief:
        return cls(
            primary_character=fields.primary_character,
            secondary_character=fields.secondary_character,
            genre=fields.genre,
            length=fields.length,
        )

    def prompt_variables(self) -> dict[str, str]:
        """The values every story prompt template may use."""
        words = LENGTH_WORDS.get(self.length or "short", LENGTH_WORDS["short"])
        return {
            "primary_character": self.primary_character,
            "secondary_character": self.secondary_character,
            "genre": self.genre or "any genre",
            "length_words": str(words),
        }


@dataclass(frozen=True)
class StoryDraft:
    text: str


class StoryFramework(Protocol):
    name: FrameworkName
    calls_per_story: int  # provider calls a story takes (budgets reserve that many)
    prompt_folder: tuple[str, ...]  # under prompts/: the files whose words it sends

    async def write_story(self, brief: StoryBrief) -> StoryDraft: ...

    def stream_story(self, brief: StoryBrief) -> AsyncIterator[TextDelta]:
        """The final story's text as it arrives (LangGraph: the editor's revision)."""
        ...
