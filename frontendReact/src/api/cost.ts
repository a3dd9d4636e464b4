import { keepPreviousData, useQuery } from "@tanstack/react-query";
import {
  exportLedgerCsv,
  getBudget,
  getCostPerformance,
  getTransaction,
  getUsage,
  listTransactions,
  listUsers,
} from "../client/sdk.gen";
import type { CostQuery } from "../cost/filters";
import { unwrap } from "./client";

export function useUsage(query: CostQuery, granularity: "day" | "hour") {
  return useQuery({
    queryKey: ["cost", "usage", query, granularity],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(() => getUsage({ query: { ...query, granularity } })),
  });
}

export function usePerformance(query: CostQuery) {
  return useQuery({
    queryKey: ["cost", "performance", query],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(() => getCostPerformance({ query })),
  });
}

export function useLedgerPage(query: CostQuery, cursor: string | null, limit: number) {
  return useQuery({
    queryKey: ["cost", "transactions", query, cursor, limit],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(() => listTransactions({ query: { ...query, limit, ...(cursor ? { cursor } : {}) } })),
  });
}

export function useTransaction(guid: string | null) {
  return useQuery({
    queryKey: ["cost", "transaction", guid],
    enabled: guid !== null,
    queryFn: () => unwrap(() => getTransaction({ path: { transaction_guid: guid ?? "" } })),
  });
}

export function useBudget(userId: number | null) {
  return useQuery({
    queryKey: ["cost", "budget", userId],
    queryFn: () => unwrap(() => getBudget(userId === null ? {} : { query: { user_id: userId } })),
  });
}

/** Every account, for administrators (the user filter, budgets). */
export function useAdminUsers(enabled = true) {
  return useQuery({
    queryKey: ["admin-users"],
    enabled,
    queryFn: () => unwrap(() => listUsers({ query: { limit: 100 } })),
  });
}

/**
 * Download the ledger as CSV for the filters. The server streams it; the access token is a
 * Bearer header kept in memory, which a plain link cannot carry, so the body is fetched with
 * the header and handed to the browser's download manager as a Blob (Chromium keeps large blobs
 * on disk, not in the page's memory).
 */
export async function downloadLedgerCsv(query: CostQuery): Promise<void> {
  const blob = await unwrap(() => exportLedgerCsv({ query, parseAs: "blob" }));
  const url = URL.createObjectURL(blob as Blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `ledger-${query.start_date ?? "all"}-to-${query.end_date ?? "now"}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  // Give the download manager time to take its copy before the blob is freed.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
