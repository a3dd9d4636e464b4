"""What every framework shares, whatever the use case: its generation settings, its prompt
files, the context window prompts are fitted to, and the empty-answer check.

Each use case has its own folder with its interface (`base.py`) and one module per
framework: `stories/`, `chat/`, `documents/` (LangGraph's chat is `chat/langgraph.py`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from backend.llm.usage import estimate_tokens

PROMPTS_DIR = Path(__file__).parent / "prompts"

PER_MESSAGE_OVERHEAD = 4  # role markers and separators in chat templates
FIT_CHARS_PER_TOKEN = 3


@dataclass(frozen=True)
class GenerationSettings:
    model: str
    max_tokens: int
    temperature: float
    # Send `max_tokens` explicitly for servers that ignore `max_completion_tokens`.
    send_legacy_max_tokens: bool = False


@dataclass(frozen=True)
class ContextWindow:
    context_tokens: int  # the model's context window
    max_answer_tokens: int  # kept free for the reply

    @property
    def prompt_budget(self) -> int:
        return self.context_tokens - self.max_answer_tokens


def count_tokens(text: str) -> int:
    """A message's tokens as prompts are fitted: the one estimator, deliberately generous
    (3 characters a token, where real tokenizers count English at about 4) so that what
    is trimmed to the window fits it."""
    return estimate_tokens(text, chars_per_token=FIT_CHARS_PER_TOKEN) + PER_MESSAGE_OVERHEAD


def read_prompt(*parts: str) -> str:
    return (PROMPTS_DIR.joinpath(*parts)).read_text(encoding="utf-8")


@cache
def prompts_version(*folder: str) -> str:
    """A digest of every prompt file in a folder: edit a prompt and answers cached under the
    old words are no longer found."""
    digest = hashlib.sha256()
    root = PROMPTS_DIR.joinpath(*folder)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class TextDelta:
    """Output as it is generated: a piece of the text (`text`), or a step starting (`step`).
    Stories and document runs stream these."""

    text: str = ""
    step: str | None = None


class EmptyOutputError(RuntimeError):
    """The model answered with no text at all."""


def require_text(text: str | None) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise EmptyOutputError("the model returned no text")
    return cleaned
