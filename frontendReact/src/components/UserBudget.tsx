import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { queryKeys } from "../api/queryKeys";
import { setUserBudget } from "../client/sdk.gen";
import type { UserOut } from "../client/types.gen";
import { formatUsd } from "../cost/format";

const USD_PATTERN = "[0-9]{1,9}(\\.[0-9]{1,9})?";

/** Administrators: a user's monthly budget, set (an exact decimal) or cleared. */
export function UserBudget({ account }: { account: UserOut }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [amount, setAmount] = useState("");
  const save = useMutation({
    mutationFn: async (budget: string | null) =>
      (await setUserBudget({ path: { user_id: account.id }, body: { monthly_budget_usd: budget } })).data,
    onSuccess: () => {
      setEditing(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.users });
      void queryClient.invalidateQueries({ queryKey: queryKeys.cost.budgets });
    },
  });
  const current = account.monthly_budget_usd ?? null;
  const label = current === null ? "no budget" : `${formatUsd(current)} / month`;

  function submit(event: FormEvent): void {
    event.preventDefault();
    save.mutate(amount.trim());
  }

  if (!editing) {
    return (
      <span className="flex items-center gap-2 text-xs text-slate-600">
        <span data-testid={`budget-of-${account.id}`}>Budget: {label}</span>
        <button
          type="button"
          className="rounded border border-slate-300 px-2"
          aria-label={`Edit the budget of ${account.email}`}
          onClick={() => {
            setAmount(current ?? "");
            setEditing(true);
          }}
        >
          Edit
        </button>
      </span>
    );
  }
  return (
    <form onSubmit={submit} className="flex flex-wrap items-center gap-2 text-xs">
      <label className="flex items-center gap-1">
        Monthly budget (US$) for {account.email}
        <input
          className="w-24 rounded border border-slate-300 px-1 py-0.5"
          inputMode="decimal"
          required
          pattern={USD_PATTERN}
          title="US dollars, e.g. 25 or 7.50"
          value={amount}
          onChange={(event) => setAmount(event.target.value)}
        />
      </label>
      <button type="submit" className="rounded bg-indigo-600 px-2 py-0.5 text-white disabled:opacity-50" disabled={save.isPending}>
        Save
      </button>
      <button
        type="button"
        className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50"
        disabled={save.isPending || current === null}
        onClick={() => save.mutate(null)}
      >
        No budget
      </button>
      <button type="button" className="px-1 text-slate-600" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {save.error && (
        <span role="alert" className="basis-full text-red-700">
          {save.error.message}
        </span>
      )}
    </form>
  );
}
