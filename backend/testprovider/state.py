"""The test provider's state: what it is set to do (latency, replies, faults) and what it has
seen (requests, usage, concurrency), and the shapes of the control API that changes it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

DEFAULT_REPLY_WORDS = 60


class Fault(BaseModel):
    # "ok" answers normally: a place in the queue, so a fault can be aimed at a later request
    kind: Literal["ok", "429", "500", "502", "503", "400", "401", "timeout", "drop"]
    retry_after: float | None = None
    seconds: float = 30.0


class FaultQueue(BaseModel):
    faults: list[Fault]


class ReplyQueue(BaseModel):
    replies: list[str]


class ProviderConfigUpdate(BaseModel):
    latency_ms: float | None = Field(default=None, ge=0)
    omit_usage: bool | None = None
    reply: str | None = None
    reply_words: int | None = Field(default=None, ge=1, le=5000)
    stream_chunk_delay_ms: float | None = Field(default=None, ge=0, le=10_000)
    # Chaos: this share of requests (0..1) fails at random with a 429, 500, 502 or 503, or a
    # dropped connection; the seed makes a run repeatable.
    fault_rate: float | None = Field(default=None, ge=0, le=1)
    fault_seed: int | None = None


RANDOM_FAULTS = ("429", "500", "502", "503", "drop")


@dataclass
class ProviderState:
    latency_ms: float = 0.0
    omit_usage: bool = False
    reply: str | None = None
    reply_words: int = DEFAULT_REPLY_WORDS
    stream_chunk_delay_ms: float = 0.0
    streams_started: int = 0
    streams_abandoned: int = 0  # the client went away before the end: its call was cancelled
    faults: list[Fault] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    usages: list[dict[str, int] | None] = field(default_factory=list)
    in_flight: int = 0  # requests being answered now
    max_in_flight: int = 0  # the most answered at once since the last reset
    fault_rate: float = 0.0
    chance: random.Random = field(default_factory=lambda: random.Random(0))
    random_faults: int = 0  # how many requests the fault rate failed
