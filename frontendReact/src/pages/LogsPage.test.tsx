import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useLocation } from "react-router";
import { assert, beforeEach, describe, expect, it } from "vitest";
import { setAccessToken } from "../auth/token";
import type { LogEntryOut } from "../client/types.gen";
import { makeUser, renderApp, sentQueries, stubApi, tokens } from "../test-utils";
import { logQueryFrom } from "./LogsPage";

const MARKUP = "<img src=x onerror=alert(1)>";
const GUID = "00000000-0000-4000-8000-000000000042";

function entry(id: number, overrides: Partial<LogEntryOut> = {}): LogEntryOut {
  return {
    id,
    created_at: "2026-11-25T01:00:00.123456Z",
    level: "info",
    logger: "backend.access",
    event: "request",
    request_id: `req_${id}`,
    transaction_guid: GUID,
    instance_id: "i-1",
    fields: { method: "GET", path: `/api/${MARKUP}`, status: 404 },
    ...overrides,
  };
}

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

function renderLogs(path: string, isAdmin = true) {
  const me = makeUser({ is_admin: isAdmin });
  const requests = stubApi({
    "POST /api/auth/refresh": () => tokens(),
    "GET /api/auth/me": () => me,
    "GET /api/admin/logs": (url) =>
      url.searchParams.get("before_id")
        ? { entries: [entry(1, { event: "older line", fields: {} })], next_before_id: null, newest_id: 1 }
        : { entries: [entry(3, { level: "error", event: `failed ${MARKUP}` }), entry(2)], next_before_id: 2, newest_id: 3 },
    "GET /api/cost/usage": () => new Response("{}", { status: 500 }),
    "GET /api/cost/performance": () => new Response("{}", { status: 500 }),
    "GET /api/cost/budget": () => ({ user_id: 1, budgets: [] }),
    "GET /api/cost/transactions": () => ({ transactions: [], total: 0, skip: 0, limit: 25, next_cursor: null }),
    [`GET /api/cost/transactions/${GUID}`]: () => ({
      transaction_guid: GUID,
      calls: [],
      total_tokens: 0,
      total_cost_usd: 0,
      total_cost_exact: "0.000000000",
    }),
    "GET /api/admin/users": () => ({ users: [me], total: 1, skip: 0, limit: 100 }),
  });
  renderApp(path, <LocationProbe />);
  return { sent: () => sentQueries(requests, "/api/admin/logs") };
}

beforeEach(() => setAccessToken(null));

describe("LogsPage", () => {
  it("shows log lines as text: markup in a line is shown, never made into elements", async () => {
    renderLogs("/logs");
    const list = await screen.findByTestId("log-entries");
    await within(list).findByText(`failed ${MARKUP}`);
    expect(within(list).getAllByTestId("log-fields")[0]).toHaveTextContent(`path=/api/${MARKUP}`);
    expect(list.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    expect(within(list).getAllByText("error")[0]).toBeInTheDocument();
    expect(document.title).toBe("Logs · FASTAPILLM");
  });

  it("sends the filters from the URL and writes new ones back to it", async () => {
    const actor = userEvent.setup();
    const { sent } = renderLogs("/logs?level=warning&q=onerror");
    await screen.findByTestId("log-entries");
    expect(sent()[0]?.get("level")).toBe("warning");
    expect(sent()[0]?.get("q")).toBe("onerror");
    await actor.clear(screen.getByLabelText("Text"));
    await actor.type(screen.getByLabelText("Request id"), "req_2");
    await actor.selectOptions(screen.getByLabelText("Level"), "error");
    await actor.click(screen.getByRole("button", { name: "Filter" }));
    await waitFor(() => expect(sent().at(-1)?.get("request_id")).toBe("req_2"));
    expect(sent().at(-1)?.get("level")).toBe("error");
    expect(sent().at(-1)?.has("q")).toBe(false);
    expect(screen.getByTestId("location").textContent).toBe("/logs?level=error&request=req_2");
  });

  it("pages to older lines by cursor and links a GUID to its ledger transaction", async () => {
    const actor = userEvent.setup();
    const { sent } = renderLogs("/logs");
    await screen.findByText(`failed ${MARKUP}`);
    await actor.click(screen.getByRole("button", { name: "Older" }));
    await screen.findByText("older line");
    expect(sent().at(-1)?.get("before_id")).toBe("2");
    await actor.click(screen.getByRole("button", { name: "Newer" }));
    await screen.findByText(`failed ${MARKUP}`);
    const [ledgerLink] = screen.getAllByRole("link", { name: `ledger ${GUID}` });
    assert(ledgerLink);
    await actor.click(ledgerLink);
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe(`/cost?transaction=${GUID}`));
  });

  it("is only for administrators: no link in the menu, and the page says so", async () => {
    const { sent } = renderLogs("/logs", false);
    await screen.findByText("The log is for administrators.");
    expect(within(screen.getByRole("navigation", { name: "Main" })).queryByRole("link", { name: "Logs" })).toBeNull();
    expect(sent()).toEqual([]);
  });

  it("maps the URL to the API's query", () => {
    expect(logQueryFrom(new URLSearchParams("level=loud&q=%20x%20&guid=g&request="), 7)).toEqual({
      limit: 100,
      q: "x",
      transaction_guid: "g",
      before_id: 7,
    });
  });
});
