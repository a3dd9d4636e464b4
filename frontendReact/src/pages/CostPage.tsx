import { useCallback, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { useAdminUsers, usePerformance, useUsage } from "../api/cost";
import { useAuth } from "../auth/AuthProvider";
import { ErrorNote } from "../components/ErrorNote";
import { Breakdowns } from "../cost/Breakdowns";
import { BudgetPanel } from "../cost/BudgetPanel";
import { CostCharts } from "../cost/CostCharts";
import { CsvButton } from "../cost/CsvButton";
import { FilterBar } from "../cost/FilterBar";
import { FrameworkComparison } from "../cost/FrameworkComparison";
import { filtersToQuery, granularityFor, optionsQuery } from "../cost/filters";
import { Headline } from "../cost/Headline";
import { LedgerTable } from "../cost/LedgerTable";
import { TransactionDialog } from "../cost/TransactionDialog";
import { UnpricedNotice } from "../cost/UnpricedNotice";
import { useCostFilters } from "../cost/useCostFilters";
import { usePageTitle } from "../lib/usePageTitle";

/** Spend and usage from the ledger: which framework costs most, for what, and why. */
export function CostPage() {
  usePageTitle("Cost");
  const { user } = useAuth();
  const isAdmin = user?.is_admin ?? false;
  const [filters, setFilters] = useCostFilters();
  const query = useMemo(() => filtersToQuery(filters), [filters]);
  const granularity = granularityFor(filters);
  const range = useMemo(() => ({ start: filters.start, end: filters.end }), [filters.start, filters.end]);
  const usage = useUsage(query, granularity);
  const unfiltered = useMemo(() => optionsQuery(query), [query]);
  const options = useUsage(unfiltered, granularity).data ?? usage.data;
  const performance = usePerformance(query);
  const users = useAdminUsers(isAdmin);
  // a link from elsewhere (the log viewer) may name a transaction to open
  const [search] = useSearchParams();
  const [openGuid, setOpenGuid] = useState<string | null>(() => search.get("transaction"));
  const closeTransaction = useCallback(() => setOpenGuid(null), []);
  const data = usage.data;
  const empty = data !== undefined && data.summary.total_requests === 0;
  const budgetUser = filters.scope.kind === "user" ? filters.scope.userId : null;

  return (
    <section className="flex min-w-0 flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="text-xl font-semibold">Cost</h2>
        <span className="text-sm text-slate-500">
          {filters.start === filters.end ? filters.start : `${filters.start} to ${filters.end}`} (UTC)
        </span>
        <span className="ml-auto">
          <CsvButton query={query} />
        </span>
      </div>
      <FilterBar
        filters={filters}
        onChange={setFilters}
        models={Object.keys(options?.by_model ?? {}).sort()}
        providers={Object.keys(options?.by_provider ?? {}).sort()}
        users={isAdmin ? (users.data?.users ?? []) : null}
      />
      <ErrorNote error={usage.error} className="rounded bg-red-50 p-3 text-sm" />
      {usage.isPending && !usage.error && <p className="text-sm text-slate-500">Loading the figures…</p>}
      {data && (
        <div className="flex min-w-0 flex-col gap-4" aria-busy={usage.isFetching} data-testid="cost-report">
          <UnpricedNotice unpriced={data.unpriced} />
          <Headline summary={data.summary} performance={performance.data} />
          <BudgetPanel userId={budgetUser} />
          <ErrorNote error={performance.error} />
          {empty ? (
            <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500" data-testid="cost-empty">
              No provider calls match these filters in this period. Generate a story, chat or run a document, or widen the period.
            </p>
          ) : (
            <>
              <CostCharts timeline={data.timeline} range={range} granularity={granularity} />
              <FrameworkComparison frameworks={performance.data?.frameworks ?? []} />
              <section aria-labelledby="breakdowns-title" className="flex min-w-0 flex-col gap-2">
                <h3 id="breakdowns-title" className="font-semibold">
                  Breakdowns
                </h3>
                <Breakdowns usage={data} users={users.data?.users} />
              </section>
            </>
          )}
        </div>
      )}
      <LedgerTable key={JSON.stringify(query)} query={query} onOpen={setOpenGuid} />
      {openGuid && <TransactionDialog guid={openGuid} onClose={closeTransaction} />}
    </section>
  );
}
