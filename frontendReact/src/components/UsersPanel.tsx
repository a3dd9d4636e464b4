import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useAdminUsers } from "../api/cost";
import { queryKeys } from "../api/queryKeys";
import { disableUser, enableUser } from "../client/sdk.gen";
import type { UserOut } from "../client/types.gen";
import { formatDate } from "../lib/format";
import { ErrorNote } from "./ErrorNote";
import { UserBudget } from "./UserBudget";

/** Administrators: every account, its monthly budget, and a switch to disable or re-enable it. */
export function UsersPanel({ selfId }: { selfId: number }) {
  const queryClient = useQueryClient();
  const users = useAdminUsers();
  const toggle = useMutation({
    mutationFn: async ({ id, active }: { id: number; active: boolean }) =>
      (await (active ? enableUser : disableUser)({ path: { user_id: id } })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.admin.users }),
  });

  function switchAccount(account: UserOut): void {
    if (account.is_active) {
      const sure = window.confirm(
        `Disable ${account.email}? They are signed out and their API keys stop working until you enable the account again.`,
      );
      if (!sure) return;
    }
    toggle.mutate({ id: account.id, active: !account.is_active });
  }
  return (
    <div className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
      <h3 className="font-semibold">Users ({users.data?.total ?? 0})</h3>
      <ErrorNote error={toggle.error} />
      <ul className="divide-y divide-slate-200 text-sm" data-testid="users">
        {users.data?.users.map((account) => (
          <li key={account.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1">
            <span className="min-w-0 break-all font-medium">{account.email}</span>
            {account.is_admin && <span className="rounded bg-slate-100 px-2 text-xs">admin</span>}
            {!account.is_active && <span className="rounded bg-red-50 px-2 text-xs text-red-700">disabled</span>}
            <span className="text-xs text-slate-500">joined {formatDate(account.created_at)}</span>
            {account.id !== selfId && (
              <button
                type="button"
                className="ml-auto rounded border border-slate-300 px-2 text-xs disabled:opacity-50"
                disabled={toggle.isPending}
                onClick={() => switchAccount(account)}
              >
                {account.is_active ? "Disable" : "Enable"}
              </button>
            )}
            <span className="basis-full">
              <UserBudget account={account} />
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
