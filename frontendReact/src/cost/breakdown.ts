// Breakdown tables: the slices of one breakdown (by framework, model, provider, operation, user)
// with their share of the spend, and how they sort.
import type { FrameworkUsage } from "../client/types.gen";

export interface BreakdownRow {
  key: string;
  label: string;
  requests: number;
  tokens: number;
  costUsd: number;
  costExact: string;
  /** of the breakdown's spend; null when nothing was spent */
  share: number | null;
}

export type SortColumn = "label" | "requests" | "tokens" | "cost" | "share";
export interface Sort {
  column: SortColumn;
  direction: "asc" | "desc";
}

export const DEFAULT_SORT: Sort = { column: "cost", direction: "desc" };

export function breakdownRows(
  slices: Record<string, FrameworkUsage> | [string, FrameworkUsage][],
  labelOf: (key: string) => string = (key) => key,
): BreakdownRow[] {
  const entries = Array.isArray(slices) ? slices : Object.entries(slices);
  const total = entries.reduce((sum, [, slice]) => sum + slice.cost_usd, 0);
  return entries.map(([key, slice]) => ({
    key,
    label: labelOf(key),
    requests: slice.requests,
    tokens: slice.tokens,
    costUsd: slice.cost_usd,
    costExact: slice.cost_exact,
    share: total > 0 ? slice.cost_usd / total : null,
  }));
}

function value(row: BreakdownRow, column: SortColumn): number | string {
  switch (column) {
    case "label":
      return row.label.toLowerCase();
    case "requests":
      return row.requests;
    case "tokens":
      return row.tokens;
    case "cost":
      return row.costUsd;
    case "share":
      return row.share ?? -1;
  }
}

/** Sorted copy; ties keep the name order, so the table never shuffles between renders. */
export function sortRows(rows: BreakdownRow[], sort: Sort): BreakdownRow[] {
  const sign = sort.direction === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const left = value(a, sort.column);
    const right = value(b, sort.column);
    if (left < right) return -sign;
    if (left > right) return sign;
    return a.label.localeCompare(b.label);
  });
}

/** A click on a header: the same column flips, another column starts at its natural order. */
export function nextSort(current: Sort, column: SortColumn): Sort {
  if (current.column === column) return { column, direction: current.direction === "asc" ? "desc" : "asc" };
  return { column, direction: column === "label" ? "asc" : "desc" };
}
