import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { queryKeys } from "../api/queryKeys";
import { createInvite, listInvites } from "../client/sdk.gen";
import type { InviteOut, NewInvite } from "../client/types.gen";
import { formatDate } from "../lib/format";
import { ErrorNote } from "./ErrorNote";

function inviteState(invite: InviteOut, now: number): string {
  if (invite.used_at) return `used ${formatDate(invite.used_at)}`;
  if (Date.parse(invite.expires_at) <= now) return "expired";
  return `open until ${formatDate(invite.expires_at)}`;
}

/** Administrators: single-use invite codes for invite-only sign-up, each shown once. */
export function InvitesPanel() {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<NewInvite | null>(null);
  const [copied, setCopied] = useState(false);
  const invites = useQuery({ queryKey: queryKeys.admin.invites, queryFn: async () => (await listInvites({ query: { limit: 100 } })).data });
  const create = useMutation({
    mutationFn: async () => (await createInvite({ query: { valid_days: 7 } })).data,
    onSuccess: (invite) => {
      setCreated(invite);
      setCopied(false);
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.invites });
    },
  });
  const now = Date.now();

  async function copy(code: string): Promise<void> {
    await navigator.clipboard.writeText(code);
    setCopied(true);
  }

  return (
    <div className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
      <h3 className="font-semibold">Invites ({invites.data?.total ?? 0})</h3>
      <p className="text-xs text-slate-500">
        When sign-up is invite-only (<code>REGISTRATION=invite</code>), a new account needs one of these codes. Each works once, for 7 days.
      </p>
      <button
        type="button"
        className="self-start rounded bg-indigo-600 px-3 py-1 text-sm text-white disabled:opacity-50"
        disabled={create.isPending}
        onClick={() => create.mutate()}
      >
        Create invite code
      </button>
      <ErrorNote error={create.error} />
      {created && (
        <div className="flex flex-col gap-2 rounded border border-emerald-300 bg-emerald-50 p-3 text-sm" data-testid="new-invite">
          <p>Copy this code now: it is not shown again.</p>
          <div className="flex flex-wrap items-center gap-2">
            <code className="min-w-0 break-all rounded bg-white px-2 py-1" data-testid="new-invite-code">
              {created.code}
            </code>
            <button
              type="button"
              className="rounded border border-slate-300 bg-white px-2 py-1 text-xs"
              onClick={() => void copy(created.code)}
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        </div>
      )}
      <ul className="divide-y divide-slate-200 text-sm" data-testid="invites">
        {invites.data?.invites.map((invite) => (
          <li key={invite.id} className="flex flex-wrap gap-x-3 py-1">
            <span className="font-medium">Invite #{invite.id}</span>
            <span className="text-xs text-slate-500">created {formatDate(invite.created_at)}</span>
            <span className="text-xs text-slate-600">{inviteState(invite, now)}</span>
          </li>
        ))}
        {invites.data?.invites.length === 0 && <li className="py-1 text-slate-500">No invites yet.</li>}
      </ul>
    </div>
  );
}
