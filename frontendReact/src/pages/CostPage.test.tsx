import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useLocation } from "react-router";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { setAccessToken } from "../auth/token";
import type { Transaction, UsageResponse } from "../client/types.gen";
import { makeUser, renderApp, sentQueries, stubApi, tokens } from "../test-utils";

const slice = (requests: number, cost: string) => ({ requests, tokens: requests * 100, cost_usd: Number(cost), cost_exact: cost });

function usage(overrides: Partial<UsageResponse> = {}): UsageResponse {
  return {
    summary: {
      total_requests: 3,
      total_tokens: 300,
      input_tokens: 200,
      output_tokens: 100,
      cached_tokens: 0,
      total_cost_usd: 0.0042,
      total_cost_exact: "0.004200000",
      average_cost_per_request: 0.0014,
      failed_requests: 1,
      estimated_requests: 0,
      date_range: { start: null, end: null },
    },
    by_framework: { langgraph: slice(2, "0.003000000"), langchain: slice(1, "0.001200000") },
    by_day: [],
    by_model: { "gpt-4o-mini": slice(3, "0.004200000") },
    by_provider: { OpenRouter: slice(3, "0.004200000") },
    by_operation: { story_generation: slice(3, "0.004200000") },
    by_user: null,
    by_hour: null,
    timeline: [],
    unpriced: { requests: 0, models: [], hint: null },
    ...overrides,
  };
}

function call(id: number, overrides: Partial<Transaction> = {}): Transaction {
  return {
    id,
    type: "story_generation",
    framework: "langgraph",
    step: "editor",
    provider: "OpenRouter",
    model: "gpt-4o-mini",
    status: "ok",
    http_status: 200,
    error_message: null,
    attempt: 1,
    input_tokens: 60,
    output_tokens: 40,
    cached_tokens: 0,
    total_tokens: 100,
    tokens_estimated: false,
    estimated_cost_usd: 0.0014,
    cost_exact: "0.001400000",
    price_source: "genai-prices",
    generation_time_ms: 1500,
    time_to_first_token_ms: 200,
    story_id: 1,
    user_id: 1,
    created_at: "2026-11-24T10:00:00Z",
    transaction_guid: `00000000-0000-4000-8000-00000000000${id}`,
    request_id: "req",
    ...overrides,
  };
}

function LocationProbe() {
  return <output data-testid="location">{useLocation().search}</output>;
}

interface Options {
  isAdmin?: boolean;
  usage?: Partial<UsageResponse> | Response;
}

function renderCost(path: string, { isAdmin = false, usage: usageOverride = {} }: Options = {}) {
  const me = makeUser({ is_admin: isAdmin });
  const requests = stubApi({
    "POST /api/auth/refresh": () => tokens(),
    "GET /api/auth/me": () => me,
    "GET /api/cost/usage": (url) => {
      if (usageOverride instanceof Response) return usageOverride.clone();
      const byUser = url.searchParams.get("all_users")
        ? { by_user: [{ ...slice(3, "0.004200000"), user_id: 2, email: "grace@example.com" }] }
        : {};
      // like the server, a model filter narrows the model breakdown to that model
      const model = url.searchParams.get("model");
      const byModel = { "gpt-4o-mini": slice(2, "0.003000000"), "llama-3-8b": slice(1, "0.001200000") };
      const models = { by_model: model ? { [model]: byModel[model as keyof typeof byModel] } : byModel };
      return usage({ ...byUser, ...models, ...usageOverride });
    },
    "GET /api/cost/performance": () => ({
      latency_ms: { count: 2, median: 1500, p95: 1900 },
      time_to_first_token_ms: { count: 0, median: null, p95: null },
      by_operation: [],
      frameworks: [],
    }),
    "GET /api/cost/budget": () => ({ user_id: 1, budgets: [] }),
    "GET /api/cost/transactions": (url) => {
      const cursor = url.searchParams.get("cursor");
      if (cursor === "page-2")
        return {
          transactions: [call(3, { framework: "langchain", step: null, status: "error", http_status: 502, error_message: "Bad gateway" })],
          total: 3,
          skip: 0,
          limit: 25,
          next_cursor: null,
        };
      return { transactions: [call(1), call(2, { tokens_estimated: true })], total: 3, skip: 0, limit: 25, next_cursor: "page-2" };
    },
    "GET /api/cost/transactions/00000000-0000-4000-8000-000000000003": () => ({
      transaction_guid: "00000000-0000-4000-8000-000000000003",
      calls: [
        call(4, { status: "error", http_status: 502, error_message: "Bad gateway", attempt: 1, estimated_cost_usd: 0 }),
        call(3, { attempt: 2 }),
      ],
      total_tokens: 200,
      total_cost_usd: 0.0014,
      total_cost_exact: "0.001400000",
    }),
    "GET /api/admin/users": () => ({
      users: [me, { ...me, id: 2, email: "grace@example.com", is_admin: false }],
      total: 2,
      skip: 0,
      limit: 100,
    }),
  });
  renderApp(path, <LocationProbe />);
  return { sent: (path: string) => sentQueries(requests, path) };
}

beforeAll(async () => {
  await import("./CostPage"); // the page is loaded on demand: load it once before the timed waits
});

beforeEach(() => {
  setAccessToken(null);
  // Recharts measures its container; jsdom has no layout, so give it a fixed size.
  vi.stubGlobal(
    "ResizeObserver",
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  );
});
afterEach(() => vi.unstubAllGlobals());

describe("CostPage", () => {
  it("sends the filters in the URL to every report, and writes changed filters back to the URL", async () => {
    const actor = userEvent.setup();
    const { sent } = renderCost("/cost?range=custom&from=2026-11-01&to=2026-11-20&framework=langgraph");
    expect(await screen.findByTestId("figure-spend")).toHaveTextContent("$0.0042");
    expect(document.title).toBe("Cost · FASTAPILLM");
    for (const path of ["/api/cost/usage", "/api/cost/performance", "/api/cost/transactions"]) {
      const params = sent(path)[0];
      expect(params?.get("start_date"), path).toBe("2026-11-01");
      expect(params?.get("end_date"), path).toBe("2026-11-20");
      expect(params?.get("framework"), path).toBe("langgraph");
    }
    expect(sent("/api/cost/usage")[0]?.get("granularity")).toBe("day");

    await actor.selectOptions(screen.getByLabelText("Operation"), "chat");
    await waitFor(() => expect(sent("/api/cost/usage").some((params) => params.get("operation") === "chat")).toBe(true));
    expect(screen.getByTestId("location").textContent).toContain("operation=chat");
    expect(screen.getByTestId("location").textContent).toContain("framework=langgraph");

    await actor.click(screen.getByRole("button", { name: "Today" }));
    await waitFor(() => expect(sent("/api/cost/usage").some((params) => params.get("granularity") === "hour")).toBe(true));
    expect(screen.getByTestId("location").textContent).toContain("range=today");
    expect(screen.getByRole("button", { name: "Today" })).toHaveAttribute("aria-pressed", "true");
  });

  it("keeps offering every model of the period after one is picked", async () => {
    const actor = userEvent.setup();
    const { sent } = renderCost("/cost");
    const picker = await screen.findByLabelText("Model");
    await within(picker).findByRole("option", { name: "llama-3-8b" });
    await actor.selectOptions(picker, "gpt-4o-mini");
    await waitFor(() => expect(sent("/api/cost/usage").some((params) => params.get("model") === "gpt-4o-mini")).toBe(true));
    await waitFor(() => expect(within(screen.getByTestId("breakdown-model")).queryByText("llama-3-8b")).not.toBeInTheDocument());
    expect(within(screen.getByLabelText("Model")).getByRole("option", { name: "llama-3-8b" })).toBeInTheDocument();
    await actor.selectOptions(screen.getByLabelText("Model"), "llama-3-8b");
    expect(screen.getByTestId("location").textContent).toContain("model=llama-3-8b");
  });

  it("lets an administrator see everyone's spend, by user", async () => {
    const actor = userEvent.setup();
    const { sent } = renderCost("/cost", { isAdmin: true });
    const picker = await screen.findByLabelText("User");
    await within(picker).findByRole("option", { name: "grace@example.com" });
    await actor.selectOptions(picker, "all");
    const byUser = await screen.findByTestId("breakdown-user");
    expect(within(byUser).getByText("grace@example.com")).toBeInTheDocument();
    expect(sent("/api/cost/usage").at(-1)?.get("all_users")).toBe("true");
    await actor.selectOptions(picker, "2");
    await waitFor(() => expect(sent("/api/cost/usage").at(-1)?.get("user_id")).toBe("2"));
    expect(sent("/api/cost/budget").at(-1)?.get("user_id")).toBe("2");
  });

  it("offers no user picker to other users", async () => {
    renderCost("/cost");
    await screen.findByTestId("figure-spend");
    expect(screen.queryByLabelText("User")).not.toBeInTheDocument();
  });

  it("pages the ledger by cursor, marks estimates and failures, and opens a transaction's calls", async () => {
    const actor = userEvent.setup();
    const { sent } = renderCost("/cost");
    const ledger = await screen.findByTestId("ledger");
    await within(ledger).findByText("est.");
    expect(screen.getByTestId("ledger-range")).toHaveTextContent("1–2 of 3");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();

    await actor.click(screen.getByRole("button", { name: "Next" }));
    await within(ledger).findByText(/error/);
    expect(sent("/api/cost/transactions").at(-1)?.get("cursor")).toBe("page-2");
    expect(screen.getByTestId("ledger-range")).toHaveTextContent("3–3 of 3");
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();

    await actor.click(within(ledger).getByRole("button", { name: /Open transaction/ }));
    const dialog = await screen.findByRole("dialog");
    const calls = await within(dialog).findByTestId("transaction-calls");
    expect(within(calls).getAllByRole("row")).toHaveLength(3);
    expect(within(calls).getByText("Bad gateway")).toBeInTheDocument();
    expect(within(dialog).getByTestId("transaction-totals")).toHaveTextContent("2 provider calls · 200 tokens · $0.0014");
    await actor.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    await actor.click(screen.getByRole("button", { name: "Previous" }));
    await waitFor(() => expect(screen.getByTestId("ledger-range")).toHaveTextContent("1–2 of 3"));
    expect(sent("/api/cost/transactions").at(-1)?.get("cursor")).toBeNull();
  });

  it("flags unpriced calls with the models and how to price them", async () => {
    const hint = "Give their prices in a JSON file named by PRICE_OVERRIDES_FILE.";
    renderCost("/cost", { usage: { unpriced: { requests: 4, models: ["my-local-model", "other-model"], hint } } });
    const notice = await screen.findByTestId("unpriced");
    expect(notice).toHaveTextContent("4 calls have no known price");
    expect(notice).toHaveTextContent("my-local-model, other-model");
    expect(notice).toHaveTextContent(hint);
  });

  it("shows the API's error message", async () => {
    const failure = new Response(JSON.stringify({ error: { message: "The report is unavailable.", code: "SERVICE_UNAVAILABLE" } }), {
      status: 503,
      headers: { "content-type": "application/json" },
    });
    renderCost("/cost", { usage: failure });
    expect(await screen.findByText("The report is unavailable.")).toBeInTheDocument();
  });

  it("says when nothing matches, without empty charts", async () => {
    const summary = { ...usage().summary, total_requests: 0, failed_requests: 0, total_cost_exact: "0E-9", total_cost_usd: 0 };
    renderCost("/cost", { usage: { summary, by_framework: {}, by_model: {}, by_provider: {}, by_operation: {} } });
    expect(await screen.findByTestId("cost-empty")).toHaveTextContent("No provider calls match these filters");
    expect(screen.queryByTestId("chart-spend")).not.toBeInTheDocument();
  });
});
