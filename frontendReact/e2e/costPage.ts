import { readFile } from "node:fs/promises";
import type { Page, Request } from "playwright-core";
import { expect } from "vitest";

// Checks of the cost page against the API, with the access token the page itself uses.

const UI = { timeout: 20_000 };

interface Usage {
  summary: { total_requests: number; input_tokens: number; output_tokens: number; cached_tokens: number; total_cost_exact: string };
}
interface Transactions {
  total: number;
  transactions: { transaction_guid: string; framework: string }[];
}

/** A figure's text as a number: "$0.004662" → 0.004662, "1,234" → 1234. */
export function figureNumber(text: string | null): number {
  return Number((text ?? "").replace(/[$,\s]/g, ""));
}

/** "0.001332000" → 1332000n nano-dollars: sums of exact decimals, compared exactly. */
export function nanoDollars(exact: string): bigint {
  const [whole = "0", fraction = ""] = exact.split(".");
  return BigInt(whole) * 1_000_000_000n + BigInt(`${fraction}000000000`.slice(0, 9));
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes and newlines) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += char;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** Open /cost through the navigation, and keep the page's own usage request (its URL and token). */
export async function openCostPage(page: Page): Promise<Request> {
  const usageRequest = page.waitForRequest((request) => new URL(request.url()).pathname === "/api/cost/usage");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Cost", exact: true }).click();
  const request = await usageRequest;
  await page.getByRole("heading", { name: "Cost", level: 2 }).waitFor(UI);
  await page.getByTestId("headline").waitFor(UI);
  return request;
}

/** GET an API path with the page's Authorization header. */
export async function apiGet<T>(request: Request, url: string): Promise<T> {
  const authorization = (await request.allHeaders()).authorization ?? "";
  expect(authorization).toMatch(/^Bearer /);
  const response = await fetch(url, { headers: { Authorization: authorization } });
  expect(response.status, url).toBe(200);
  return (await response.json()) as T;
}

/** The headline figures equal the API's summary for the same filters; the spend is real (priced). */
export async function expectHeadlineMatchesApi(page: Page, usageRequest: Request): Promise<Usage> {
  const usage = await apiGet<Usage>(usageRequest, usageRequest.url());
  const figure = (id: string) => page.getByTestId(`figure-${id}`).textContent();
  expect(usage.summary.total_requests).toBeGreaterThan(0);
  expect(figureNumber(await figure("calls"))).toBe(usage.summary.total_requests);
  expect(figureNumber(await figure("input-tokens"))).toBe(usage.summary.input_tokens);
  expect(figureNumber(await figure("output-tokens"))).toBe(usage.summary.output_tokens);
  expect(figureNumber(await figure("cached-tokens"))).toBe(usage.summary.cached_tokens);
  // The spend is shown exactly: the same nano-dollars as the API's exact total, and not zero.
  const spend = ((await figure("spend")) ?? "").replace(/[$,]/g, "");
  expect(nanoDollars(spend)).toBe(nanoDollars(usage.summary.total_cost_exact));
  expect(nanoDollars(spend)).toBeGreaterThan(0n);
  return usage;
}

/** Every chart drew bars (SVG paths), and the comparison has a row per framework. */
export async function expectChartsRendered(page: Page): Promise<void> {
  for (const chart of ["spend", "calls", "tokens"]) {
    const bars = page.getByTestId(`chart-${chart}`).locator("svg .recharts-bar-rectangle path");
    await expect.poll(() => bars.count(), { ...UI, message: `bars of the ${chart} chart` }).toBeGreaterThan(0);
  }
  for (const framework of ["semantic_kernel", "langchain", "langgraph"]) {
    await page.getByTestId(`comparison-${framework}`).waitFor(UI);
  }
}

/** Open a LangGraph story's transaction: the dialog lists the same calls as the API (its two nodes at least). */
export async function expectTransactionOpens(page: Page, usageRequest: Request, baseUrl: string): Promise<void> {
  // A story's node (a LangGraph chat reply is a single call)
  const row = page.getByTestId("ledger").locator("tbody tr").filter({ hasText: "LangGraph / editor" }).first();
  const button = row.getByRole("button", { name: /Open transaction/ });
  const guid = ((await button.getAttribute("aria-label")) ?? "").replace("Open transaction ", "");
  await button.click();
  const dialog = page.getByRole("dialog");
  const rows = dialog.getByTestId("transaction-calls").locator("tbody tr");
  await rows.first().waitFor(UI);
  const detail = await apiGet<{ calls: unknown[]; total_tokens: number }>(usageRequest, `${baseUrl}/api/cost/transactions/${guid}`);
  expect(detail.calls.length).toBeGreaterThanOrEqual(2);
  expect(await rows.count()).toBe(detail.calls.length);
  expect(await dialog.getByTestId("transaction-totals").textContent()).toContain(`${detail.calls.length} provider calls`);
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached", ...UI });
}

/** The CSV downloads; its rows are the ledger's for the filters, and its costs sum to the spend exactly. */
export async function expectCsvDownload(page: Page, usageRequest: Request, usage: Usage, baseUrl: string): Promise<void> {
  const ledgerUrl = new URL(`${baseUrl}/api/cost/transactions`);
  new URL(usageRequest.url()).searchParams.forEach((value, key) => {
    if (key !== "granularity") ledgerUrl.searchParams.set(key, value);
  });
  ledgerUrl.searchParams.set("limit", "1");
  const ledger = await apiGet<Transactions>(usageRequest, ledgerUrl.toString());

  const downloading = page.waitForEvent("download", UI);
  await page.getByRole("button", { name: "Download CSV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^ledger-.*\.csv$/);
  const rows = parseCsv(await readFile((await download.path()) ?? "", "utf8"));
  const [header = [], ...data] = rows;
  expect(header.slice(0, 4)).toEqual(["id", "created_at", "user_id", "transaction_guid"]);
  for (const column of ["framework", "model", "status", "input_tokens", "output_tokens", "cost_usd"]) expect(header).toContain(column);
  expect(data.length).toBe(ledger.total);
  const shownTotal = ((await page.getByTestId("ledger-total").textContent()) ?? "").match(/^[\d,]+/)?.[0] ?? "";
  expect(figureNumber(shownTotal)).toBe(ledger.total);
  const cost = header.indexOf("cost_usd");
  const sum = data.reduce((total, row) => total + nanoDollars(row[cost] ?? "0"), 0n);
  expect(sum).toBe(nanoDollars(usage.summary.total_cost_exact));
}
