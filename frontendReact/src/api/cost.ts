import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createExportLink, getBudget, getCostPerformance, getTransaction, getUsage, listTransactions, listUsers } from "../client/sdk.gen";
import type { CostQuery } from "../cost/filters";
import { queryKeys } from "./queryKeys";

export function useUsage(query: CostQuery, granularity: "day" | "hour") {
  return useQuery({
    queryKey: queryKeys.cost.usage(query, granularity),
    placeholderData: keepPreviousData,
    queryFn: async () => (await getUsage({ query: { ...query, granularity } })).data,
  });
}

export function usePerformance(query: CostQuery) {
  return useQuery({
    queryKey: queryKeys.cost.performance(query),
    placeholderData: keepPreviousData,
    queryFn: async () => (await getCostPerformance({ query })).data,
  });
}

export function useLedgerPage(query: CostQuery, cursor: string | null, limit: number) {
  return useQuery({
    queryKey: queryKeys.cost.transactions(query, cursor, limit),
    placeholderData: keepPreviousData,
    queryFn: async () => (await listTransactions({ query: { ...query, limit, ...(cursor ? { cursor } : {}) } })).data,
  });
}

export function useTransaction(guid: string | null) {
  return useQuery({
    queryKey: queryKeys.cost.transaction(guid),
    enabled: guid !== null,
    queryFn: async () => (await getTransaction({ path: { transaction_guid: guid ?? "" } })).data,
  });
}

export function useBudget(userId: number | null) {
  return useQuery({
    queryKey: queryKeys.cost.budget(userId),
    queryFn: async () => (await getBudget(userId === null ? {} : { query: { user_id: userId } })).data,
  });
}

/** Every account, for administrators (the user filter, budgets). */
export function useAdminUsers(enabled = true) {
  return useQuery({
    queryKey: queryKeys.admin.users,
    enabled,
    queryFn: async () => (await listUsers({ query: { limit: 100 } })).data,
  });
}

/**
 * Download the ledger as CSV for the filters. The access token is a Bearer header kept in
 * memory, which a plain link cannot carry, so the server is first asked for a signed link
 * (valid for a minute); following it is an ordinary download that the browser streams to disk
 * while the server streams rows from a database cursor: neither side holds the whole file.
 */
export async function downloadLedgerCsv(query: CostQuery): Promise<void> {
  const { url } = (await createExportLink({ query })).data;
  const link = document.createElement("a");
  link.href = url;
  link.download = "";
  document.body.append(link);
  link.click();
  link.remove();
}
