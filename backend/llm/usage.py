"""Normalise token usage from OpenAI-compatible payloads; estimate only when none is given."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TokenUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def _as_int(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def usage_from_payload(payload: Mapping[str, Any]) -> TokenUsage | None:
    """Read `usage` from a chat completion (or its final stream chunk); None when absent."""
    usage = payload.get("usage")
    if not isinstance(usage, Mapping):
        return None
    details = usage.get("prompt_tokens_details")
    cached = _as_int(details.get("cached_tokens")) if isinstance(details, Mapping) else 0
    return TokenUsage(
        input_tokens=_as_int(usage.get("prompt_tokens")),
        output_tokens=_as_int(usage.get("completion_tokens")),
        cached_tokens=cached,
    )


def estimate_tokens(text: str, *, chars_per_token: int = 4) -> int:
    """The platform's one token estimate: about four characters a token for English text.

    Used where a provider sends no usage (rows built from it are marked estimated) and,
    with fewer characters a token to err on the large side, where prompts are fitted to a
    context window. No offline tokenizer covers every provider's model.
    """
    return math.ceil(len(text) / chars_per_token) if text else 0


def estimate_usage(request_payload: Mapping[str, Any], completion_text: str) -> TokenUsage:
    prompt_text = ""
    messages = request_payload.get("messages")
    if isinstance(messages, list):
        prompt_text = "\n".join(
            str(message.get("content", "")) for message in messages if isinstance(message, Mapping)
        )
    return TokenUsage(
        input_tokens=estimate_tokens(prompt_text),
        output_tokens=estimate_tokens(completion_text),
        estimated=True,
    )


def completion_text(payload: Mapping[str, Any]) -> str:
    choices = payload.get("choices")
    if not isinstance(choices, list):
        return ""
    parts: list[str] = []
    for choice in choices:
        if isinstance(choice, Mapping):
            message = choice.get("message") or choice.get("delta") or {}
            if isinstance(message, Mapping) and isinstance(message.get("content"), str):
                parts.append(message["content"])
    return "".join(parts)
