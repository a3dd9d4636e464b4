"""The judge's answer checked as it is parsed: exactly the labels shown, each scored on every
criterion 1 to 5 and ranked once; the schema sent with the request says the same."""

from __future__ import annotations

import json

import pytest

from backend.core.names import JUDGE_CRITERIA
from backend.frameworks.judge import MalformedVerdictError, answer_schema, parse_answer

CRITERION = {"score": 4, "reason": "Clear."}
STORY = {name: CRITERION for name in JUDGE_CRITERIA}


def answer(scores: dict[str, object], ranking: list[str]) -> str:
    return json.dumps({"scores": scores, "ranking": ranking})


def test_a_verdict_on_exactly_the_labels_shown_is_parsed() -> None:
    parsed = parse_answer(answer({"A": STORY, "B": STORY}, ["B", "A"]), ["A", "B"])
    assert parsed.ranking == ["B", "A"]
    assert parsed.scores["A"].coherence.score == 4


def test_a_reason_holding_a_raw_line_break_is_read_not_refused() -> None:
    """SmolLM2 under a grammar wrote a tab and a line break inside a reason's string."""
    content = answer({"A": STORY, "B": STORY}, ["A", "B"]).replace(
        '"Clear."', '"Clear,\n\tand kind."'
    )
    assert "\n" in content  # a raw control character inside the JSON string
    parsed = parse_answer(content, ["A", "B"])
    assert parsed.scores["A"].adherence.reason == "Clear, and kind."


@pytest.mark.parametrize(
    ("content", "fault"),
    [
        ("Story B is best.", "not a verdict"),
        (answer({"A": STORY}, ["A", "B"]), "scored ['A']"),
        (answer({"A": STORY, "C": STORY}, ["A", "C"]), "scored ['A', 'C']"),
        (answer({"A": STORY, "B": STORY}, ["A", "A"]), "ranked ['A', 'A']"),
        (answer({"A": STORY, "B": STORY}, ["A"]), "ranked ['A']"),
        (
            answer(
                {"A": {**STORY, "coherence": {"score": 6, "reason": "x"}}, "B": STORY}, ["A", "B"]
            ),
            "not a verdict",
        ),
        (
            answer(
                {"A": {**STORY, "coherence": {"score": 3, "reason": ""}}, "B": STORY}, ["A", "B"]
            ),
            "not a verdict",
        ),
    ],
)
def test_anything_else_is_malformed_and_says_why(content: str, fault: str) -> None:
    with pytest.raises(MalformedVerdictError, match=fault.replace("[", r"\[")) as raised:
        parse_answer(content, ["A", "B"])
    assert raised.value.answer == content  # kept, to show the judge what was wrong


def test_the_schema_names_every_label_and_for_a_grammar_lists_the_orderings() -> None:
    schema = answer_schema(["A", "B", "C"])
    assert schema["properties"]["scores"]["required"] == ["A", "B", "C"]
    assert schema["properties"]["ranking"]["items"]["enum"] == ["A", "B", "C"]
    reason = schema["properties"]["scores"]["properties"]["A"]["properties"]["coherence"]
    assert reason["properties"]["reason"]["maxLength"] == 160
    grammar = answer_schema(["A", "B", "C"], grammar=True)
    short = grammar["properties"]["scores"]["properties"]["A"]["properties"]["coherence"]
    assert short["properties"]["reason"]["maxLength"] == 48  # a token a character still fits
    orderings = grammar["properties"]["ranking"]["enum"]
    assert len(orderings) == 6
    assert sorted(map(tuple, orderings)) == sorted(
        {
            ("A", "B", "C"),
            ("A", "C", "B"),
            ("B", "A", "C"),
            ("B", "C", "A"),
            ("C", "A", "B"),
            ("C", "B", "A"),
        }
    )
