"""Evaluation runs through the real app, its task queue and the test provider: a planned run
spends nothing until started; a small suite runs to completion with the right counts and a
report whose figures are the ledger's sums; cancel and resume; a restart mid-run; a budget
that stops a run cleanly; briefs from CSV and JSON files; the CSV export; bad input refused."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import uuid
from typing import Any

import httpx
import pytest

from tests.utils.app import AppClient, SettingsFactory, bearer, open_client, sign_up
from tests.utils.errors import assert_error_shape
from tests.utils.provider import ProviderControl

BRIEFS = [
    {"primary_character": "Ada", "secondary_character": "Grace", "genre": "mystery"},
    {"primary_character": "Alan", "secondary_character": "Joan", "length": "short"},
]
CALLS = {"semantic_kernel": 1, "langchain": 1, "langgraph": 2}  # provider calls per story
FINISHED = {"done", "cancelled", "stopped"}
REDIS_URL = os.environ.get("TEST_REDIS_URL")


async def plan(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/evaluations", json={"briefs": BRIEFS, **body})
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def wait_for(
    client: httpx.AsyncClient, run_id: int, done: Any, what: str, seconds: float = 60
) -> dict[str, Any]:
    """Poll the run until `done(run)` holds (an explicit state, never a fixed sleep)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        run: dict[str, Any] = (await client.get(f"/api/evaluations/{run_id}")).json()
        if done(run):
            return run
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the run never reached {what}: {run}")
        await asyncio.sleep(0.05)


def ended(run: dict[str, Any]) -> bool:
    return run["status"] in FINISHED


@pytest.fixture
async def unlimited(make_settings: SettingsFactory) -> Any:
    async with open_client(make_settings(rate_limit_enabled=False)) as client:
        yield client


async def test_a_planned_run_spends_nothing_until_started(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    run = await plan(unlimited, repetitions=2)
    assert run["status"] == "planned"
    assert run["progress"]["total"] == 2 * 3 * 2
    assert run["progress"]["pending"] == 12
    assert run["planned_cost_usd"] > 0
    assert run["progress"]["spent_usd"] == 0
    assert provider_control.requests() == []
    # The worst case covers the judge too: without it the plan is smaller.
    unjudged = await plan(unlimited, repetitions=2, judge=False)
    assert 0 < unjudged["planned_cost_usd"] < run["planned_cost_usd"]


async def test_a_suite_runs_to_completion_and_its_report_is_the_ledgers(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    client = unlimited
    run = await plan(client, repetitions=2, judge=False, concurrency=3)
    started = await client.post(f"/api/evaluations/{run['id']}/start")
    assert started.status_code == 202, started.text
    assert started.json()["status"] in {"queued", "running", "done"}
    finished = await wait_for(client, run["id"], ended, "its end")

    assert finished["status"] == "done"
    assert finished["progress"] | {"spent_usd": 0, "spent_exact": ""} == {
        "total": 12, "done": 12, "failed": 0, "running": 0, "pending": 0,
        "spent_usd": 0, "spent_exact": "",
    }  # fmt: skip
    assert finished["finished_at"] is not None
    assert len(provider_control.requests()) == 2 * 2 * sum(CALLS.values())
    items = (await client.get(f"/api/evaluations/{run['id']}/items")).json()
    assert len({item["story_id"] for item in items}) == 12  # one story per item
    assert all(item["latency_ms"] > 0 and item["time_to_first_token_ms"] > 0 for item in items)

    # Every figure of the report is the ledger's: the rows under the run's GUID.
    ledger = (await client.get(f"/api/cost/transactions/{run['transaction_guid']}")).json()
    report = (await client.get(f"/api/evaluations/{run['id']}/report")).json()
    assert report["total_cost_exact"] == finished["progress"]["spent_exact"]
    by_framework = {row["framework"]: row for row in report["frameworks"]}
    for framework, calls in CALLS.items():
        rows = [row for row in ledger["calls"] if row["framework"] == framework]
        figures = by_framework[framework]
        assert figures["stories"] == 4
        assert figures["failure_rate"] == 0
        assert figures["calls"] == len(rows) == 4 * calls
        assert figures["input_tokens"] == sum(row["input_tokens"] for row in rows)
        assert figures["output_tokens"] == sum(row["output_tokens"] for row in rows)
        assert figures["cost_usd"] == pytest.approx(sum(r["estimated_cost_usd"] for r in rows))
        assert figures["latency_ms"]["count"] == 4
        assert figures["latency_ms"]["median"] <= figures["latency_ms"]["p90"]
        assert all(row["type"] == "evaluation" for row in rows)
    assert sum(by_framework[f]["cost_usd"] for f in CALLS) == pytest.approx(
        report["total_cost_usd"]
    )
    # The stories are in the history like any other, and the cost report knows the operation.
    usage = (await client.get("/api/cost/usage", params={"operation": "evaluation"})).json()
    assert usage["summary"]["total_requests"] == len(provider_control.requests())

    exported = await client.get(f"/api/evaluations/{run['id']}/report.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["framework"] for row in rows] == list(CALLS)
    assert {row["stories"] for row in rows} == {"4"}
    assert "win_rate_vs_langchain" in rows[0]
    assert "adherence_mean" in rows[0]


async def test_history_tells_a_runs_stories_from_the_ones_asked_for(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    client = unlimited
    asked = await client.post(
        "/api/langchain", json={"primary_character": "Ada", "secondary_character": "Babbage"}
    )
    assert asked.status_code == 200, asked.text
    run = await plan(client, frameworks=["langchain", "semantic_kernel"], judge=False)
    await client.post(f"/api/evaluations/{run['id']}/start")
    assert (await wait_for(client, run["id"], ended, "its end"))["status"] == "done"
    items = (await client.get(f"/api/evaluations/{run['id']}/items")).json()

    def ids(response: httpx.Response) -> set[int]:
        assert response.status_code == 200, response.text
        body = response.json()
        return {story["id"] for story in (body if isinstance(body, list) else body["stories"])}

    by_run = {item["story_id"] for item in items}
    assert len(by_run) == 4
    everything = ids(await client.get("/api/stories", params={"limit": 100}))
    assert everything == by_run | {asked.json()["id"]}
    only_run = await client.get("/api/stories", params={"origin": "evaluation", "limit": 100})
    assert ids(only_run) == by_run
    assert only_run.json()["total"] == 4
    written = await client.get("/api/stories", params={"origin": "written"})
    assert ids(written) == {asked.json()["id"]}
    assert written.json()["total"] == 1
    # The contract's character search takes the same filter: "Ada" is in both kinds.
    search = "/api/stories/search/characters"
    ada_by_run = {item["story_id"] for item in items if item["brief_index"] == 0}
    assert len(ada_by_run) == 2
    assert ids(await client.get(search, params={"character": "ada"})) == ada_by_run | {
        asked.json()["id"]
    }
    in_run = await client.get(search, params={"character": "ada", "origin": "evaluation"})
    assert ids(in_run) == ada_by_run
    in_written = await client.get(search, params={"character": "ada", "origin": "written"})
    assert ids(in_written) == {asked.json()["id"]}
    refused = await client.get("/api/stories", params={"origin": "judge"})
    assert_error_shape(refused, 422, "VALIDATION_ERROR")


async def test_a_judged_run_scores_each_brief_and_reports_wins(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    # One brief at a time (concurrency 1): its four story calls, then its verdict.
    verdict = _verdict({"A": 5, "B": 3, "C": 1}, ["A", "B", "C"])
    provider_control.replies(*([*(f"Story {n}." for n in range(4)), verdict] * 2))
    run = await plan(unlimited, briefs=BRIEFS, concurrency=1)
    await unlimited.post(f"/api/evaluations/{run['id']}/start")
    finished = await wait_for(unlimited, run["id"], ended, "its end")
    assert finished["status"] == "done"
    report = (await unlimited.get(f"/api/evaluations/{run['id']}/report")).json()
    assert report["verdicts"] == 2
    assert report["judge_cost_usd"] > 0

    # What the judge said, read back per comparison: the report's means and wins follow it.
    items = (await unlimited.get(f"/api/evaluations/{run['id']}/items")).json()
    totals: dict[str, list[int]] = {framework: [] for framework in CALLS}
    firsts: list[str] = []
    for comparison_id in dict.fromkeys(item["comparison_id"] for item in items):
        judged = (await unlimited.get(f"/api/compare/{comparison_id}")).json()["verdict"]
        for scores in judged["scores"]:
            totals[scores["framework"]].append(scores["total"])
        firsts.append(judged["ranking"][0])
    by_framework = {row["framework"]: row for row in report["frameworks"]}
    for framework, values in totals.items():
        assert by_framework[framework]["total_score"]["mean"] == pytest.approx(
            sum(values) / len(values)
        )
        assert by_framework[framework]["scores"]["adherence"]["count"] == 2
    top = max(sum(values) for values in totals.values())
    best = [framework for framework, values in totals.items() if sum(values) == top]
    # The shuffled labels may give two frameworks the same total: then nobody leads.
    assert report["leaders"]["quality"] == (best[0] if len(best) == 1 else None)
    for framework in CALLS:
        wins = [rate for rate in by_framework[framework]["win_rates"].values()]
        assert all(0 <= rate <= 1 for rate in wins)
    winner_rates = by_framework[firsts[0]]["win_rates"]
    if firsts[0] == firsts[1]:  # ranked first both times: it beat every other framework
        assert set(winner_rates.values()) == {1.0}


def _verdict(scores: dict[str, int], ranking: list[str]) -> str:
    import json

    criteria = ("adherence", "coherence", "creativity", "length_fit")
    return json.dumps(
        {
            "scores": {
                label: {c: {"score": score, "reason": f"{label} is {score}."} for c in criteria}
                for label, score in scores.items()
            },
            "ranking": ranking,
        }
    )


async def test_cancel_then_resume_writes_each_story_once(
    unlimited: AppClient, provider_control: ProviderControl
) -> None:
    client = unlimited
    provider_control.configure(latency_ms=400)  # six stories, one at a time: 2.4 s at least
    run = await plan(client, frameworks=["langchain"], repetitions=3, judge=False, concurrency=1)
    await client.post(f"/api/evaluations/{run['id']}/start")
    await wait_for(client, run["id"], lambda r: r["progress"]["done"] >= 1, "one story")
    cancelled = await client.post(f"/api/evaluations/{run['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    halted = await wait_for(
        client, run["id"], lambda r: r["progress"]["running"] == 0, "no story in flight"
    )
    assert 1 <= halted["progress"]["done"] < 6
    assert halted["progress"]["pending"] == 6 - halted["progress"]["done"]
    sent = len(provider_control.requests())
    assert_error_shape(await client.post(f"/api/evaluations/{run['id']}/cancel"), 409, "CONFLICT")

    resumed = await client.post(f"/api/evaluations/{run['id']}/resume")
    assert resumed.status_code == 202, resumed.text
    finished = await wait_for(client, run["id"], ended, "its end")
    assert finished["status"] == "done"
    assert finished["progress"]["done"] == 6
    items = (await client.get(f"/api/evaluations/{run['id']}/items")).json()
    assert len({item["story_id"] for item in items}) == 6
    # The stories written after the resume are the ones missing: one provider call each, and
    # a call cut off by the cancel is in the ledger as cancelled, not lost.
    assert len(provider_control.requests()) == sent + 6 - halted["progress"]["done"]
    ledger = (await client.get(f"/api/cost/transactions/{run['transaction_guid']}")).json()
    assert len(ledger["calls"]) == len(provider_control.requests())
    assert sum(row["status"] == "ok" for row in ledger["calls"]) == 6
    assert_error_shape(await client.post(f"/api/evaluations/{run['id']}/resume"), 409, "CONFLICT")


async def test_a_restart_mid_run_carries_on_where_it_was(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    settings = make_settings(rate_limit_enabled=False)
    provider_control.configure(latency_ms=400)  # six stories, one at a time: 2.4 s at least
    async with open_client(settings) as client:
        run = await plan(
            client, frameworks=["langchain"], repetitions=3, judge=False, concurrency=1
        )
        await client.post(f"/api/evaluations/{run['id']}/start")
        await wait_for(client, run["id"], lambda r: r["progress"]["done"] >= 1, "one story")
        token = client.headers["authorization"]
    # The platform stopped mid-run (a clean stop: a story in flight was cancelled).
    async with open_client(settings, email=None) as client:
        client.headers["authorization"] = token
        finished = await wait_for(client, run["id"], ended, "its end after the restart")
        assert finished["status"] == "done"
        assert finished["progress"]["done"] == 6
        items = (await client.get(f"/api/evaluations/{run['id']}/items")).json()
        assert len({item["story_id"] for item in items}) == 6


async def test_a_budget_stops_a_run_cleanly_and_it_can_resume(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    async with open_client(make_settings(rate_limit_enabled=False)) as client:
        other = bearer(await sign_up(client, "budget@example.com"))
        user_id = (await client.get("/api/auth/me", headers=other)).json()["id"]
        run = (
            await client.post(
                "/api/evaluations",
                json={"briefs": BRIEFS, "frameworks": ["langchain"], "judge": False,
                      "concurrency": 1},
                headers=other,
            )
        ).json()  # fmt: skip
        per_story = run["planned_cost_usd"] / 2
        budget = await client.put(
            f"/api/admin/users/{user_id}/budget", json={"monthly_budget_usd": per_story * 1.2}
        )
        assert budget.status_code == 200, budget.text
        await client.post(f"/api/evaluations/{run['id']}/start", headers=other)
        stopped = await _wait(client, run["id"], other)
        assert stopped["status"] == "stopped"
        assert "budget" in stopped["error"].lower()
        assert stopped["progress"] | {"spent_usd": 0, "spent_exact": ""} == {
            "total": 2, "done": 1, "failed": 0, "running": 0, "pending": 1,
            "spent_usd": 0, "spent_exact": "",
        }  # fmt: skip
        assert stopped["progress"]["spent_usd"] <= per_story * 1.2
        assert len(provider_control.requests()) == 1
        # A bigger budget, and the run carries on from where it stopped.
        await client.put(f"/api/admin/users/{user_id}/budget", json={"monthly_budget_usd": 10})
        await client.post(f"/api/evaluations/{run['id']}/resume", headers=other)
        finished = await _wait(client, run["id"], other)
        assert (finished["status"], finished["progress"]["done"]) == ("done", 2)


async def _wait(client: httpx.AsyncClient, run_id: int, headers: dict[str, str]) -> Any:
    for _ in range(1200):
        run = (await client.get(f"/api/evaluations/{run_id}", headers=headers)).json()
        if run["status"] in FINISHED:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"the run did not end: {run}")


async def test_briefs_come_from_csv_and_json_files(unlimited: AppClient) -> None:
    text = (
        "primary_character,secondary_character,genre,length\nAda,Grace,mystery,short\nAlan,Joan,,\n"
    )
    read = await unlimited.post(
        "/api/evaluations/briefs", files={"file": ("suite.csv", text.encode(), "text/csv")}
    )
    assert read.status_code == 200, read.text
    assert read.json()["briefs"] == [
        {"primary_character": "Ada", "secondary_character": "Grace", "genre": "mystery",
         "length": "short"},
        {"primary_character": "Alan", "secondary_character": "Joan", "genre": None,
         "length": None},
    ]  # fmt: skip
    as_json = await unlimited.post(
        "/api/evaluations/briefs",
        files={"file": ("suite.json", b'{"briefs": [{"primary_character": "A", '
               b'"secondary_character": "B"}]}', "application/json")},
    )  # fmt: skip
    assert as_json.json()["briefs"][0]["primary_character"] == "A"

    bad_row = "primary_character,secondary_character,length\nAda,Grace,epic\n"
    refused = await unlimited.post(
        "/api/evaluations/briefs", files={"file": ("suite.csv", bad_row.encode(), "text/csv")}
    )
    error = assert_error_shape(refused, 422, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == "row 1: length"
    no_header = await unlimited.post(
        "/api/evaluations/briefs", files={"file": ("suite.csv", b"Ada,Grace\n", "text/csv")}
    )
    assert_error_shape(no_header, 422, "VALIDATION_ERROR")
    malformed = await unlimited.post(
        "/api/evaluations/briefs", files={"file": ("suite.json", b"[{", "application/json")}
    )
    assert_error_shape(malformed, 422, "VALIDATION_ERROR")
    binary = await unlimited.post(
        "/api/evaluations/briefs", files={"file": ("suite.csv", b"\xff\xfe\x00", "text/csv")}
    )
    assert_error_shape(binary, 422, "VALIDATION_ERROR")
    other = await unlimited.post(
        "/api/evaluations/briefs", files={"file": ("suite.txt", b"Ada", "text/plain")}
    )
    assert_error_shape(other, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "body",
    [
        {"briefs": []},
        {"briefs": BRIEFS, "repetitions": 0},
        {"briefs": BRIEFS, "repetitions": 11},
        {"briefs": BRIEFS, "frameworks": ["langchain", "langchain"]},
        {"briefs": BRIEFS, "frameworks": ["crewai"]},
        {"briefs": BRIEFS, "concurrency": 0},
        {"briefs": BRIEFS, "judge": "yes"},
        {"briefs": [{"primary_character": "A\x00", "secondary_character": "B"}]},
        {"briefs": BRIEFS, "surprise": 1},
    ],
)
async def test_bad_plans_are_refused(unlimited: AppClient, body: dict[str, Any]) -> None:
    assert_error_shape(await unlimited.post("/api/evaluations", json=body), 422, "VALIDATION_ERROR")


async def test_runs_are_their_owners_and_states_are_checked(unlimited: AppClient) -> None:
    run = await plan(unlimited, judge=False)
    assert_error_shape(
        await unlimited.post(f"/api/evaluations/{run['id']}/resume"), 409, "CONFLICT"
    )
    stranger = bearer(await sign_up(unlimited, "stranger@example.com"))
    for path in ("", "/items", "/report", "/report.csv"):
        response = await unlimited.get(f"/api/evaluations/{run['id']}{path}", headers=stranger)
        assert_error_shape(response, 404, "NOT_FOUND")
    started = await unlimited.post(f"/api/evaluations/{run['id']}/start", headers=stranger)
    assert_error_shape(started, 404, "NOT_FOUND")
    assert (await unlimited.get("/api/evaluations", headers=stranger)).json()["total"] == 0
    assert_error_shape(await unlimited.get("/api/evaluations/999999"), 404, "NOT_FOUND")
    listed = (await unlimited.get("/api/evaluations")).json()
    assert [r["id"] for r in listed["runs"]] == [run["id"]]


async def test_through_redis_any_replica_takes_a_run_and_a_dead_ones_run_is_taken_over(
    make_settings: SettingsFactory, provider_control: ProviderControl
) -> None:
    """Two replicas on one database and one Redis queue: a run started on the first is worked
    by whichever receiver takes it; when the replica working on it stops mid-run, the other
    one's sweep (called here: both replicas share this test's pid, so each one's heartbeat would
    judge the other dead) finds the orphan and finishes it."""
    if REDIS_URL is None:
        pytest.fail("TEST_REDIS_URL is not set")  # pragma: no cover - listed only with Redis
    settings = make_settings(
        rate_limit_enabled=False,
        redis_url=REDIS_URL,
        rate_limit_key_prefix=f"eval-{uuid.uuid4().hex[:8]}",
    )
    provider_control.configure(latency_ms=400)  # six stories, one at a time: 2.4 s at least
    async with contextlib.AsyncExitStack() as first_stack, contextlib.AsyncExitStack() as other:
        first = await first_stack.enter_async_context(open_client(settings))
        assert first.runtime.evaluation_tasks.queue.backend == "redis"
        second = await other.enter_async_context(open_client(settings, email=None))
        second.headers["authorization"] = first.headers["authorization"]
        replicas = {first: first_stack, second: other}
        run = await plan(first, frameworks=["langchain"], repetitions=3, judge=False, concurrency=1)
        await first.post(f"/api/evaluations/{run['id']}/start")
        await wait_for(first, run["id"], lambda r: r["progress"]["done"] >= 1, "one story")
        [working] = [r for r in replicas if run["id"] in r.runtime.evaluation_tasks.worker.working]
        [survivor] = [r for r in replicas if r is not working]
        await replicas[working].aclose()  # it stops mid-run; its instance is retired
        assert await survivor.runtime.evaluation_tasks.take_over_orphans() == [run["id"]]
        finished = await wait_for(survivor, run["id"], ended, "its end", seconds=120)
        assert run["id"] in survivor.runtime.evaluation_tasks.worker.taken
        items = (await survivor.get(f"/api/evaluations/{run['id']}/items")).json()
    assert finished["status"] == "done"
    assert finished["progress"]["done"] == 6
    assert len({item["story_id"] for item in items}) == 6


if REDIS_URL is None:  # only collected where a Redis server is given
    del test_through_redis_any_replica_takes_a_run_and_a_dead_ones_run_is_taken_over
