import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EvaluationReport, EvaluationRunOut, FrameworkName, FrameworkReportOut } from "../client/types.gen";
import { makeStory, makeUser, renderApp, stubApi, tokens } from "../test-utils";

const BRIEFS = [
  { primary_character: "Ada", secondary_character: "Grace", genre: "mystery", length: "short" as const },
  { primary_character: "Alan", secondary_character: "Joan", genre: null, length: null },
];

function run(overrides: Partial<EvaluationRunOut> = {}): EvaluationRunOut {
  return {
    id: 7,
    name: "Suite A",
    status: "planned",
    briefs: BRIEFS,
    frameworks: ["semantic_kernel", "langchain", "langgraph"],
    repetitions: 2,
    concurrency: 2,
    judge: true,
    planned_cost_usd: 0.0123,
    planned_cost_exact: "0.012300000",
    model: "gpt-4o-mini",
    transaction_guid: "11111111-2222-3333-4444-555555555555",
    error: null,
    created_at: "2026-12-07T10:00:00Z",
    started_at: null,
    finished_at: null,
    progress: { total: 12, done: 0, failed: 0, running: 0, pending: 12, spent_usd: 0, spent_exact: "0.000000000" },
    ...overrides,
  };
}

const score = (mean: number) => ({ mean, stdev: 0.5, count: 4 });

function frameworkRow(framework: FrameworkName, total: number, latency: number, cost: number): FrameworkReportOut {
  return {
    framework,
    stories: 4,
    failed: 0,
    pending: 0,
    failure_rate: 0,
    latency_ms: { count: 4, median: latency, p90: latency * 1.5 },
    time_to_first_token_ms: { count: 4, median: latency / 4, p90: latency / 3 },
    calls: 4,
    input_tokens: 400,
    output_tokens: 800,
    cost_usd: cost * 4,
    cost_exact: (cost * 4).toFixed(9),
    cost_per_story_usd: cost,
    scores: { adherence: score(total / 4), coherence: score(total / 4), creativity: score(total / 4), length_fit: score(total / 4) },
    total_score: { mean: total, stdev: 1.2, count: 4 },
    win_rates: Object.fromEntries(
      (["semantic_kernel", "langchain", "langgraph"] as const).filter((f) => f !== framework).map((f) => [f, 0.5]),
    ),
  };
}

function report(overrides: Partial<EvaluationRunOut> = {}): EvaluationReport {
  return {
    run: run(overrides),
    frameworks: [
      frameworkRow("semantic_kernel", 12, 900, 0.0002),
      frameworkRow("langchain", 14, 700, 0.0001),
      frameworkRow("langgraph", 17, 1500, 0.0004),
    ],
    verdicts: 4,
    failed_verdicts: 0,
    judge_cost_usd: 0.0003,
    total_cost_usd: 0.0031,
    total_cost_exact: "0.003100000",
    leaders: { quality: "langgraph", speed: "langchain", cost: "langchain" },
  };
}

/** Signed in, as the app finds out at start. */
const SESSION = { "POST /api/auth/refresh": () => tokens(), "GET /api/auth/me": () => makeUser() };

afterEach(() => vi.unstubAllGlobals());

describe("EvaluationsPage", () => {
  it("plans a run from typed briefs, shows its cost to confirm, and starts it", async () => {
    let current = run();
    const requests = stubApi({
      ...SESSION,
      "GET /api/evaluations": () => ({ runs: [current], total: 1, skip: 0, limit: 50 }),
      "POST /api/evaluations": () =>
        new Response(JSON.stringify(current), { status: 201, headers: { "content-type": "application/json" } }),
      "GET /api/evaluations/7": () => current,
      "POST /api/evaluations/7/start": () => {
        current = run({
          status: "running",
          progress: { ...current.progress, done: 5, running: 1, pending: 6, spent_usd: 0.001, spent_exact: "0.001000000" },
        });
        return new Response(JSON.stringify(current), { status: 202, headers: { "content-type": "application/json" } });
      },
      "GET /api/evaluations/7/report": () => report({ status: "running" }),
      "GET /api/evaluations/7/items": () => [],
    });
    const user = userEvent.setup();
    renderApp("/evaluations");
    await user.type(await screen.findByLabelText("Brief 1 primary character"), "Ada");
    await user.type(screen.getByLabelText("Brief 1 secondary character"), "Grace");
    await user.type(screen.getByLabelText("Brief 1 genre"), "mystery");
    await user.selectOptions(screen.getByLabelText("Brief 1 length"), "short");
    await user.click(screen.getByRole("button", { name: "Add brief" }));
    await user.type(screen.getByLabelText("Brief 2 primary character"), "Alan");
    await user.type(screen.getByLabelText("Brief 2 secondary character"), "Joan");
    const repetitions = screen.getByLabelText("Repetitions");
    await user.clear(repetitions);
    await user.type(repetitions, "2");
    await user.click(screen.getByRole("button", { name: "Plan run" }));

    const planned = requests.find((request) => request.method === "POST" && new URL(request.url).pathname === "/api/evaluations");
    expect(await planned?.json()).toEqual({
      name: "Evaluation",
      briefs: [
        { primary_character: "Ada", secondary_character: "Grace", genre: "mystery", length: "short" },
        { primary_character: "Alan", secondary_character: "Joan" },
      ],
      frameworks: ["semantic_kernel", "langchain", "langgraph"],
      repetitions: 2,
      concurrency: 2,
      judge: true,
    });
    const confirm = await screen.findByTestId("confirm-cost");
    expect(confirm).toHaveTextContent("12 stories, each brief judged: at most $0.0123 on gpt-4o-mini.");
    await user.click(within(confirm).getByRole("button", { name: "Start: spend up to $0.0123" }));

    expect(await screen.findByTestId("run-progress")).toHaveTextContent("5 of 12 stories (5 written, 0 failed, 1 writing, 6 to go)");
    expect(screen.getByTestId("report-leaders")).toHaveTextContent("Best on quality: LangGraph · speed: LangChain · cost: LangChain");
    const langgraph = screen.getByTestId("report-row-langgraph");
    expect(within(langgraph).getByTestId("total-score")).toHaveTextContent("17.0 ± 1.2 /20");
    expect(within(langgraph).getByTestId("cost-per-story")).toHaveTextContent("$0.0004");
    expect(within(screen.getByTestId("report-scores")).getAllByText("4.3 ± 0.5 /5")).toHaveLength(4);
    expect(screen.getByRole("button", { name: "Cancel run" })).toBeInTheDocument();
  });

  it("reads briefs from a CSV file into the form, and shows a file's problem", async () => {
    let answer: unknown = { briefs: BRIEFS };
    const requests = stubApi({
      ...SESSION,
      "GET /api/evaluations": () => ({ runs: [], total: 0, skip: 0, limit: 50 }),
      "POST /api/evaluations/briefs": () => answer,
    });
    const user = userEvent.setup();
    renderApp("/evaluations");
    const picker = await screen.findByLabelText("Load from a CSV or JSON file");
    await user.upload(picker, new File(["primary_character,secondary_character\nAda,Grace\n"], "suite.csv", { type: "text/csv" }));
    expect(await screen.findByDisplayValue("Alan")).toBeInTheDocument();
    expect(screen.getAllByTestId("brief-row")).toHaveLength(2);
    expect(screen.getByLabelText("Brief 1 genre")).toHaveValue("mystery");
    expect(requests.some((request) => new URL(request.url).pathname === "/api/evaluations/briefs")).toBe(true);

    answer = new Response(
      JSON.stringify({ error: { type: "ValidationError", message: "Some briefs are not valid.", code: "VALIDATION_ERROR", details: [] } }),
      { status: 422, headers: { "content-type": "application/json" } },
    );
    await user.upload(picker, new File(["x"], "bad.csv", { type: "text/csv" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Some briefs are not valid.");
    expect(screen.getAllByTestId("brief-row")).toHaveLength(2); // the rows read before stay
  });

  it("resumes a stopped run and says why it stopped", async () => {
    let current = run({ status: "stopped", error: "Your monthly budget is spent.", progress: { ...run().progress, done: 4, pending: 8 } });
    const requests = stubApi({
      ...SESSION,
      "GET /api/evaluations": () => ({ runs: [current], total: 1, skip: 0, limit: 50 }),
      "GET /api/evaluations/7": () => current,
      "GET /api/evaluations/7/report": () => report({ status: current.status }),
      "GET /api/evaluations/7/items": () => [],
      "POST /api/evaluations/7/resume": () => {
        current = run({ status: "queued" });
        return new Response(JSON.stringify(current), { status: 202, headers: { "content-type": "application/json" } });
      },
    });
    const user = userEvent.setup();
    renderApp("/evaluations?run=7");
    expect(await screen.findByText("Stopped: Your monthly budget is spent.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Resume run" }));
    expect(await screen.findByRole("button", { name: "Cancel run" })).toBeInTheDocument();
    expect(requests.some((request) => new URL(request.url).pathname === "/api/evaluations/7/resume")).toBe(true);
  });
});

describe("EvaluationsPage evidence", () => {
  it("opens a story of a finished run in place, with its comparison's verdict", async () => {
    const done = run({ status: "done", progress: { ...run().progress, done: 12, pending: 0 } });
    stubApi({
      ...SESSION,
      "GET /api/evaluations": () => ({ runs: [done], total: 1, skip: 0, limit: 50 }),
      "GET /api/evaluations/7": () => done,
      "GET /api/evaluations/7/report": () => report({ status: "done" }),
      "GET /api/evaluations/7/items": () => [
        {
          id: 1,
          brief_index: 0,
          repetition: 1,
          framework: "langchain",
          comparison_id: "c1",
          status: "done",
          story_id: 42,
          error: null,
          latency_ms: 900,
          time_to_first_token_ms: 120,
          attempts: 1,
        },
      ],
      "GET /api/stories/42": () => makeStory({ id: 42, story: "The evidence itself." }),
      "GET /api/compare/c1": () => ({ comparison_id: "c1", stories: [], verdict: null }),
    });
    const user = userEvent.setup();
    renderApp("/evaluations?run=7");
    await user.click(await screen.findByText("Stories (12)"));
    await user.click(await screen.findByRole("button", { name: "Read" }));
    const opened = await screen.findByTestId("evaluation-story");
    expect(await within(opened).findByTestId("story-text")).toHaveTextContent("The evidence itself.");
  });
});
