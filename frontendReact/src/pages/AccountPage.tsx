import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { queryKeys } from "../api/queryKeys";
import { useAuth } from "../auth/AuthProvider";
import { changePassword, createApiKey, listApiKeys, revokeApiKey } from "../client/sdk.gen";
import type { ApiKeyCreated, ApiKeyOut } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { InvitesPanel } from "../components/InvitesPanel";
import { TextField } from "../components/TextField";
import { UsersPanel } from "../components/UsersPanel";
import { formatDate } from "../lib/format";
import { usePageTitle } from "../lib/usePageTitle";

/** The signed-in user's API keys (for REST and MCP clients) and password. */
export function AccountPage() {
  usePageTitle("Account");
  const { user } = useAuth();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const keys = useQuery({ queryKey: queryKeys.apiKeys, queryFn: async () => (await listApiKeys()).data });
  const create = useMutation({
    mutationFn: async (keyName: string) => (await createApiKey({ body: { name: keyName } })).data,
    onSuccess: (key) => {
      setCreated(key);
      setName("");
      void queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys });
    },
  });
  const revoke = useMutation({
    mutationFn: async (keyId: number) => {
      await revokeApiKey({ path: { key_id: keyId } });
    },
    onSuccess: (_, keyId) => {
      // A revoked key's secret is useless: stop showing it.
      setCreated((shown) => (shown?.id === keyId ? null : shown));
      return queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys });
    },
  });

  function submit(event: FormEvent): void {
    event.preventDefault();
    create.mutate(name.trim());
  }

  function confirmRevoke(key: ApiKeyOut): void {
    if (window.confirm(`Revoke the key “${key.name}” (${key.prefix}…)? Scripts and MCP clients using it stop working at once.`)) {
      revoke.mutate(key.id);
    }
  }

  return (
    <section className="flex flex-col gap-6">
      <h2 className="text-xl font-semibold">Account</h2>
      <p className="break-words text-sm text-slate-600">
        Signed in as <strong>{user?.email}</strong>
        {user?.is_admin ? " (administrator)" : ""}
      </p>
      <div className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <h3 className="font-semibold">API keys</h3>
        <p className="text-xs text-slate-500">
          Use a key as <code>Authorization: Bearer fapi_…</code> from scripts and MCP clients. It acts as you.
        </p>
        <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
          <TextField label="Key name" value={name} onChange={setName} maxLength={100} required />
          <button type="submit" className="rounded bg-indigo-600 px-3 py-1 text-sm text-white" disabled={create.isPending}>
            Create key
          </button>
        </form>
        <ErrorNote error={create.error} />
        {created && <NewKey key={created.id} secret={created.key} />}
        <ErrorNote error={revoke.error} />
        <ul className="divide-y divide-slate-200 text-sm" data-testid="api-keys">
          {keys.data?.map((key) => (
            <li key={key.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-1">
              <span className="min-w-0 break-all font-medium">{key.name}</span>
              <code className="text-xs">{key.prefix}…</code>
              <span className="text-xs text-slate-500">created {formatDate(key.created_at)}</span>
              <span className="text-xs text-slate-500">
                {key.last_used_at ? `last used ${formatDate(key.last_used_at)}` : "never used"}
              </span>
              <button
                type="button"
                className="ml-auto rounded border border-red-300 px-2 text-xs text-red-700 disabled:opacity-50"
                aria-label={`Revoke ${key.name}`}
                disabled={revoke.isPending}
                onClick={() => confirmRevoke(key)}
              >
                Revoke
              </button>
            </li>
          ))}
          {keys.data?.length === 0 && <li className="py-1 text-slate-500">No keys yet.</li>}
        </ul>
      </div>
      <PasswordForm />
      {user?.is_admin && <UsersPanel selfId={user.id} />}
      {user?.is_admin && <InvitesPanel />}
    </section>
  );
}

/** A key's secret, shown once, with a button that copies it. */
function NewKey({ secret }: { secret: string }) {
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");

  useEffect(() => {
    if (copy !== "copied") return undefined;
    const timer = window.setTimeout(() => setCopy("idle"), 2000);
    return () => window.clearTimeout(timer);
  }, [copy]);

  async function copyKey(): Promise<void> {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy("copied");
    } catch {
      setCopy("failed"); // no clipboard (insecure origin, denied permission): the key stays selectable
    }
  }

  return (
    <div className="flex flex-col gap-2 rounded bg-amber-50 p-2 text-sm" data-testid="new-api-key">
      <p>Copy this key now, it will not be shown again:</p>
      <div className="flex flex-wrap items-center gap-2">
        <code className="min-w-0 break-all" data-testid="new-api-key-value">
          {secret}
        </code>
        <button type="button" className="rounded border border-slate-300 bg-white px-2 py-1 text-xs" onClick={() => void copyKey()}>
          {copy === "copied" ? "Copied" : "Copy"}
        </button>
      </div>
      {copy === "failed" && <ErrorNote error="Could not copy: select the key and copy it by hand." className="text-xs" />}
    </div>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const change = useMutation({
    mutationFn: async () => {
      await changePassword({ body: { current_password: current, new_password: next } });
    },
    onSuccess: () => {
      setCurrent("");
      setNext("");
    },
  });
  return (
    <form
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(event) => {
        event.preventDefault();
        change.mutate();
      }}
    >
      <h3 className="font-semibold">Change password</h3>
      <p className="text-xs text-slate-500">Other browsers signed in as you are signed out.</p>
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        className="max-w-md"
        value={current}
        onChange={setCurrent}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        maxLength={128}
        className="max-w-md"
        value={next}
        onChange={setNext}
      />
      <ErrorNote error={change.error} />
      {change.isSuccess && <p className="text-sm text-green-700">Password changed.</p>}
      <button type="submit" className="self-start rounded bg-indigo-600 px-3 py-1 text-sm text-white" disabled={change.isPending}>
        Change password
      </button>
    </form>
  );
}
