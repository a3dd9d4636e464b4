"""Which provider the platform talks to, resolved once from settings."""

from __future__ import annotations

from dataclasses import dataclass, field

EMBEDDED_PROVIDER_NAME = "embedded"
EMBEDDED_MODEL_NAME = "SmolLM2-135M-Instruct"


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    model: str
    base_url: str
    api_key: str = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    is_local: bool = False
    # Some OpenAI-compatible servers (llama.cpp's) ignore `max_completion_tokens`.
    honours_max_completion_tokens: bool = True
