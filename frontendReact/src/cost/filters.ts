// The cost page's filters live in the URL query string, so a view can be shared or reloaded.
// Dates are UTC calendar days, both ends inclusive, as the API takes them.
import type { FrameworkName, GetUsageData } from "../client/types.gen";
import { FRAMEWORKS } from "../lib/frameworks";

export const PRESETS = ["today", "7d", "30d", "90d"] as const;
export type Preset = (typeof PRESETS)[number];
export const PRESET_LABELS: Record<Preset | "custom", string> = {
  today: "Today",
  "7d": "7 days",
  "30d": "30 days",
  "90d": "90 days",
  custom: "Custom",
};
const PRESET_DAYS: Record<Preset, number> = { today: 1, "7d": 7, "30d": 30, "90d": 90 };
export const DEFAULT_PRESET: Preset = "30d";

export const OPERATIONS = ["story_generation", "comparison", "chat", "document_run", "judge"] as const;
export type Operation = (typeof OPERATIONS)[number];
export const OPERATION_LABELS: Record<string, string> = {
  story_generation: "Story",
  comparison: "Comparison",
  chat: "Chat",
  document_run: "Document run",
  judge: "Judge",
};

/** Whose spend: the signed-in user's, everyone's (admins), or one user's (admins). */
export type Scope = { kind: "me" } | { kind: "all" } | { kind: "user"; userId: number };

export interface CostFilters {
  preset: Preset | "custom";
  /** YYYY-MM-DD, UTC, inclusive */
  start: string;
  end: string;
  framework: FrameworkName | null;
  model: string | null;
  provider: string | null;
  operation: Operation | null;
  scope: Scope;
}

export type CostQuery = NonNullable<GetUsageData["query"]>;

const DAY_MS = 86_400_000;

export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/** Days from start to end, both counted (1 for a single day). */
export function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS) + 1;
}

export function presetRange(preset: Preset, now: Date): { start: string; end: string } {
  const end = utcDay(now);
  return { start: addDays(end, 1 - PRESET_DAYS[preset]), end };
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (value: string | null): value is string => value !== null && DAY_PATTERN.test(value) && !Number.isNaN(Date.parse(value));

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return allowed.includes(value as T) ? (value as T) : null;
}

/** Read the filters from a query string; anything missing or malformed falls back to the default. */
export function parseFilters(params: URLSearchParams, now: Date = new Date()): CostFilters {
  const from = params.get("from");
  const to = params.get("to");
  let preset: Preset | "custom" = pick(params.get("range"), PRESETS) ?? DEFAULT_PRESET;
  let range = presetRange(preset, now);
  if (params.get("range") === "custom" && isDay(from) && isDay(to)) {
    preset = "custom";
    range = from <= to ? { start: from, end: to } : { start: to, end: from };
  }
  const user = params.get("user");
  const userId = user !== null && /^\d+$/.test(user) ? Number(user) : null;
  const scope: Scope = user === "all" ? { kind: "all" } : userId !== null ? { kind: "user", userId } : { kind: "me" };
  return {
    preset,
    ...range,
    framework: pick(params.get("framework"), FRAMEWORKS),
    model: params.get("model") || null,
    provider: params.get("provider") || null,
    operation: pick(params.get("operation"), OPERATIONS),
    scope,
  };
}

/** The query string for the filters: only what differs from the defaults, so links stay short. */
export function filtersToSearch(filters: CostFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.preset === "custom") {
    params.set("range", "custom");
    params.set("from", filters.start);
    params.set("to", filters.end);
  } else if (filters.preset !== DEFAULT_PRESET) {
    params.set("range", filters.preset);
  }
  if (filters.framework) params.set("framework", filters.framework);
  if (filters.model) params.set("model", filters.model);
  if (filters.provider) params.set("provider", filters.provider);
  if (filters.operation) params.set("operation", filters.operation);
  if (filters.scope.kind === "all") params.set("user", "all");
  if (filters.scope.kind === "user") params.set("user", String(filters.scope.userId));
  return params;
}

/** By hour for ranges up to two days, otherwise by day. */
export function granularityFor(filters: Pick<CostFilters, "start" | "end">): "day" | "hour" {
  return daysBetween(filters.start, filters.end) <= 2 ? "hour" : "day";
}

/** The API's query parameters for the filters (shared by usage, performance, ledger and CSV). */
export function filtersToQuery(filters: CostFilters): CostQuery {
  const query: CostQuery = { start_date: filters.start, end_date: filters.end };
  if (filters.framework) query.framework = filters.framework;
  if (filters.model) query.model = filters.model;
  if (filters.provider) query.provider = filters.provider;
  if (filters.operation) query.operation = filters.operation;
  if (filters.scope.kind === "all") query.all_users = true;
  if (filters.scope.kind === "user") query.user_id = filters.scope.userId;
  return query;
}

/** The same period and accounts without the narrowing filters: what the model and provider
 * pickers offer, so choosing one model does not hide the others. */
export function optionsQuery(query: CostQuery): CostQuery {
  const options = { ...query };
  delete options.framework;
  delete options.model;
  delete options.provider;
  delete options.operation;
  return options;
}

/** The same parameters as a query string, for the CSV export's URL. */
export function queryToSearch(query: CostQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined) params.set(key, String(value));
  }
  return params;
}
