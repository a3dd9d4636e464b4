"""The judge: one model call that scores labelled stories against the rubric in
`prompts/judge/`, answered as JSON that must match a schema made for those labels.

The schema goes with the request (OpenAI's `json_schema` response format; for llama.cpp,
`json_object` with the schema, which it turns into a grammar the embedded model cannot leave),
and the answer is validated here all the same: every label scored once on every criterion,
1 to 5 with a reason, and a ranking of exactly those labels. Anything else is
`MalformedVerdictError`, never a guess.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel, Field, ValidationError, field_validator

from backend.core.names import JUDGE_CRITERIA
from backend.frameworks.base import read_prompt
from backend.frameworks.stories.base import StoryBrief

REASON_MAX_CHARS = 160  # twelve reasons and the rest fit JUDGE_MAX_TOKENS (800) whole
# Under a grammar a small model may fill a reason with punctuation, a token a character: 48
# characters keep a verdict on three stories within 800 tokens even then.
GRAMMAR_REASON_MAX_CHARS = 48

Score = Literal[1, 2, 3, 4, 5]


class CriterionVerdict(BaseModel):
    score: Score
    reason: str = Field(min_length=1, max_length=REASON_MAX_CHARS)

    @field_validator("reason", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return " ".join(value.split()) if isinstance(value, str) else value


class StoryScores(BaseModel):
    adherence: CriterionVerdict
    coherence: CriterionVerdict
    creativity: CriterionVerdict
    length_fit: CriterionVerdict


class JudgeAnswer(BaseModel):
    scores: dict[str, StoryScores]  # by label: each label once, by construction
    ranking: list[str]  # labels, best first


class MalformedVerdictError(ValueError):
    """The judge's answer is not a verdict on exactly the stories it was shown."""

    def __init__(self, message: str, answer: str) -> None:
        super().__init__(message)
        self.answer = answer


@dataclass(frozen=True)
class Retry:
    """An answer that was not a valid verdict, and why."""

    answer: str
    error: str


@dataclass(frozen=True)
class JudgeSettings:
    model: str
    max_tokens: int
    # llama.cpp takes a schema only as `json_object` + `schema` (and ignores
    # `max_completion_tokens`); OpenAI-compatible providers take `json_schema`.
    local_provider: bool = False


def answer_schema(labels: list[str], *, grammar: bool = False) -> dict[str, Any]:
    """The JSON schema of a verdict on these labels, inline (no references), so a grammar can
    be made of it. Scores are an object keyed by label, so each story is scored exactly once.
    With `grammar` (llama.cpp, which cannot express "each label once" for an array) the
    ranking is one of the labels' orderings, listed; elsewhere an array of labels."""
    criterion = {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": GRAMMAR_REASON_MAX_CHARS if grammar else REASON_MAX_CHARS,
            },
        },
        "required": ["score", "reason"],
        "additionalProperties": False,
    }
    story = {
        "type": "object",
        "properties": {name: criterion for name in JUDGE_CRITERIA},
        "required": list(JUDGE_CRITERIA),
        "additionalProperties": False,
    }
    ranking: dict[str, Any] = (
        {"enum": [list(order) for order in itertools.permutations(labels)]}
        if grammar
        else {
            "type": "array",
            "items": {"type": "string", "enum": labels},
            "minItems": len(labels),
            "maxItems": len(labels),
        }
    )
    return {
        "type": "object",
        "properties": {
            "scores": {
                "type": "object",
                "properties": {label: story for label in labels},
                "required": labels,
                "additionalProperties": False,
            },
            "ranking": ranking,
        },
        "required": ["scores", "ranking"],
        "additionalProperties": False,
    }


def parse_answer(content: str, labels: list[str]) -> JudgeAnswer:
    """The verdict in `content`, or `MalformedVerdictError` saying what is wrong with it."""
    try:
        # strict=False: a raw line break or tab inside a reason (small models write them) is
        # read as the character it is, not refused as malformed JSON
        answer = JudgeAnswer.model_validate(json.loads(content, strict=False))
    except (ValueError, ValidationError) as exc:
        raise MalformedVerdictError(f"not a verdict: {_short(exc)}", content) from exc
    scored = sorted(answer.scores)
    if scored != sorted(labels):
        raise MalformedVerdictError(
            f"scored {scored}, expected each of {sorted(labels)} once", content
        )
    if sorted(answer.ranking) != sorted(labels):
        raise MalformedVerdictError(
            f"ranked {answer.ranking}, expected each of {labels} once", content
        )
    return answer


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]


class StoryJudge:
    def __init__(self, client: AsyncOpenAI, settings: JudgeSettings) -> None:
        self._client = client
        self._settings = settings
        self._rubric = read_prompt("judge", "rubric.txt")
        self._stories = read_prompt("judge", "stories.txt")

    @property
    def model(self) -> str:
        return self._settings.model

    def prompt(self, brief: StoryBrief, stories: Mapping[str, str]) -> list[dict[str, str]]:
        variables = brief.prompt_variables()
        shown = "\n\n".join(f"Story {label}:\n{text}" for label, text in stories.items())
        return [
            {"role": "system", "content": self._rubric.format(**variables)},
            {"role": "user", "content": self._stories.format(**variables, stories=shown)},
        ]

    async def score(
        self, brief: StoryBrief, stories: Mapping[str, str], retry_of: Retry | None = None
    ) -> JudgeAnswer:
        """One call; its answer validated (or `MalformedVerdictError`). `retry_of`: the
        earlier answer and what was wrong with it, shown to the judge so it can correct it
        (the same prompt again would get the same answer at temperature 0)."""
        labels = list(stories)
        schema = answer_schema(labels, grammar=self._settings.local_provider)
        extra: dict[str, Any]
        if self._settings.local_provider:
            extra = {
                "response_format": {"type": "json_object", "schema": schema},
                "max_tokens": self._settings.max_tokens,
            }
        else:
            extra = {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "verdict", "schema": schema, "strict": True},
                }
            }
        messages = self.prompt(brief, stories)
        if retry_of is not None:
            messages += [
                {"role": "assistant", "content": retry_of.answer},
                {
                    "role": "user",
                    "content": f"That answer is not valid ({retry_of.error}). Answer again: "
                    f"score each of {', '.join(labels)} exactly once, and rank each exactly "
                    "once.",
                },
            ]
        # Streamed, as stories are: a small local model may take a minute over a verdict, and
        # a streamed answer is bounded by the gap between tokens, not by the whole wait.
        chunks = await self._client.chat.completions.create(
            model=self._settings.model,
            messages=cast("list[ChatCompletionMessageParam]", messages),
            temperature=0,
            max_completion_tokens=self._settings.max_tokens,
            extra_body=extra,
            stream=True,
            stream_options={"include_usage": True},
        )
        parts: list[str] = []
        async with chunks:
            async for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
        return parse_answer("".join(parts), labels)
