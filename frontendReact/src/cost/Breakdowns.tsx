import type { UsageResponse, UserOut } from "../client/types.gen";
import { frameworkLabel } from "../lib/frameworks";
import { BreakdownTable } from "./BreakdownTable";
import { breakdownRows } from "./breakdown";
import { OPERATION_LABELS } from "./filters";

/** Where the spend went: by framework, model, provider, operation and (everyone's spend) user. */
export function Breakdowns({ usage, users }: { usage: UsageResponse; users: UserOut[] | undefined }) {
  const emails = new Map(users?.map((user) => [user.id, user.email]));
  for (const slice of usage.by_user ?? []) if (slice.user_id !== null && slice.email) emails.set(slice.user_id, slice.email);
  const byUser = usage.by_user?.map((slice) => [String(slice.user_id ?? "none"), slice] as [string, typeof slice]);
  const userLabel = (key: string) => (key === "none" ? "(no user)" : (emails.get(Number(key)) ?? `user ${key}`));
  return (
    <div className="grid gap-3 md:grid-cols-2">
      <BreakdownTable id="framework" title="By framework" keyLabel="Framework" rows={breakdownRows(usage.by_framework, frameworkLabel)} />
      <BreakdownTable
        id="operation"
        title="By operation"
        keyLabel="Operation"
        rows={breakdownRows(usage.by_operation, (key) => OPERATION_LABELS[key] ?? key)}
      />
      <BreakdownTable id="model" title="By model" keyLabel="Model" rows={breakdownRows(usage.by_model)} />
      <BreakdownTable id="provider" title="By provider" keyLabel="Provider" rows={breakdownRows(usage.by_provider)} />
      {byUser && <BreakdownTable id="user" title="By user" keyLabel="User" rows={breakdownRows(byUser, userLabel)} />}
    </div>
  );
}
