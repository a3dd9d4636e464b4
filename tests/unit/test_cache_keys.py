"""Response cache keys: everything that decides a story is in the key, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from backend.core.names import FrameworkName
from backend.frameworks import base
from backend.frameworks.base import prompts_version
from backend.frameworks.stories.base import StoryBrief
from backend.services.response_cache import Sampling, story_cache_key


@dataclass(frozen=True)
class Framework:
    name: FrameworkName
    prompt_folder: tuple[str, ...]
    calls_per_story: int = 1


LANGCHAIN = Framework(FrameworkName.LANGCHAIN, ("langchain",))
SAMPLING = Sampling(provider="openai", model="gpt-4o-mini", temperature=0.8, max_tokens=400)
BRIEF = StoryBrief("Ada", "Grace", "mystery", "short")


def key(**changes: Any) -> str:
    framework = changes.pop("framework", LANGCHAIN)
    owner = changes.pop("owner", 1)
    sampling = replace(SAMPLING, **{k: v for k, v in changes.items() if hasattr(SAMPLING, k)})
    brief = replace(BRIEF, **{k: v for k, v in changes.items() if hasattr(BRIEF, k)})
    return story_cache_key(owner, framework, sampling, brief)


def test_the_same_request_has_the_same_key() -> None:
    assert key() == key()
    assert len(key()) == 64


def test_every_input_and_setting_changes_the_key() -> None:
    changed = [
        key(owner=2),
        key(framework=Framework(FrameworkName.SEMANTIC_KERNEL, ("langchain",))),
        key(framework=Framework(FrameworkName.LANGCHAIN, ("langgraph",))),  # other prompts
        key(provider="openrouter"),
        key(model="gpt-4o"),
        key(temperature=0.2),
        key(max_tokens=200),
        key(primary_character="Alan"),
        key(secondary_character="Alan"),
        key(genre=None),
        key(length="long"),
    ]
    assert len({key(), *changed}) == len(changed) + 1


def test_each_framework_has_its_own_prompt_version() -> None:
    versions = {
        prompts_version("langchain"),
        prompts_version("langgraph"),
        prompts_version("semantic_kernel", "StoryPlugin"),
    }
    assert len(versions) == 3
    assert prompts_version("langchain") == prompts_version("langchain")


def test_editing_a_prompt_changes_its_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "langchain"
    folder.mkdir()
    (folder / "story_user.txt").write_text("Write about {primary_character}.")
    monkeypatch.setattr(base, "PROMPTS_DIR", tmp_path)
    prompts_version.cache_clear()
    before = prompts_version("langchain")
    (folder / "story_user.txt").write_text("Write a poem about {primary_character}.")
    prompts_version.cache_clear()
    assert prompts_version("langchain") != before
    prompts_version.cache_clear()
