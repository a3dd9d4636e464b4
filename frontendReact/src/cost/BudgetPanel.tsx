import { useBudget } from "../api/cost";
import type { BudgetState } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { formatPercent, formatUsd } from "./format";

const PERIODS: Record<BudgetState["scope"], string> = { user_monthly: "this month", global_daily: "today" };

const SCOPE_TITLES: Record<BudgetState["scope"], string> = {
  user_monthly: "Monthly budget",
  global_daily: "Platform daily cap",
};

function resetText(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** One budget: limit, spent, reserved by running requests, a bar, the reset time; amber from 80%. */
export function BudgetMeter({ budget }: { budget: BudgetState }) {
  const title = SCOPE_TITLES[budget.scope];
  if (budget.limit_usd === null) {
    return (
      <div className="flex flex-col gap-1" data-testid={`budget-${budget.scope}`}>
        <h4 className="text-sm font-semibold">{title}</h4>
        <p className="text-sm text-slate-600">
          No budget set. Spent {PERIODS[budget.scope]} (UTC): {formatUsd(budget.spent_usd)}.
        </p>
      </div>
    );
  }
  const fraction = budget.used_fraction ?? 0;
  const warn = budget.warning;
  return (
    <div className="flex flex-col gap-1" data-testid={`budget-${budget.scope}`} data-warning={warn ? "true" : "false"}>
      <h4 className="flex flex-wrap items-baseline gap-x-2 text-sm font-semibold">
        {title}
        {warn && (
          <span role="status" className="rounded bg-amber-100 px-1.5 text-xs font-medium text-amber-900">
            {fraction >= 1 ? "Budget used up" : `${formatPercent(fraction)} used`}
          </span>
        )}
      </h4>
      <div
        role="progressbar"
        aria-label={`${title} used`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(Math.min(fraction, 1) * 100)}
        className="h-2.5 w-full overflow-hidden rounded-full bg-slate-100"
      >
        <div
          className={`h-full rounded-full ${warn ? "bg-amber-500" : "bg-indigo-600"}`}
          style={{ width: `${Math.min(fraction, 1) * 100}%` }}
        />
      </div>
      <p className="text-xs text-slate-600">
        {formatUsd(budget.spent_usd)} spent
        {Number(budget.reserved_usd) > 0 && ` + ${formatUsd(budget.reserved_usd)} reserved by running requests`} of{" "}
        {formatUsd(budget.limit_usd)} · resets {resetText(budget.resets_at)}
      </p>
    </div>
  );
}

/** The user's monthly budget, and the platform's daily cap when one is set. */
export function BudgetPanel({ userId }: { userId: number | null }) {
  const budget = useBudget(userId);
  const shown = budget.data?.budgets.filter((item) => item.scope === "user_monthly" || item.limit_usd !== null) ?? [];
  return (
    <section aria-labelledby="budget-title" className="flex min-w-0 flex-col gap-3 rounded-lg border border-slate-200 bg-white p-3">
      <h3 id="budget-title" className="font-semibold">
        Budget
      </h3>
      <ErrorNote error={budget.error} />
      {budget.isPending && <p className="text-sm text-slate-500">Loading…</p>}
      {shown.map((item) => (
        <BudgetMeter key={item.scope} budget={item} />
      ))}
      {budget.data && shown.length === 0 && <p className="text-sm text-slate-600">No budget set.</p>}
    </section>
  );
}
