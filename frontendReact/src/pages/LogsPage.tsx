import { type FormEvent, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { type LogQuery, useLogPage } from "../api/logs";
import { useAuth } from "../auth/AuthProvider";
import type { LogEntryOut } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { usePageTitle } from "../lib/usePageTitle";

const LEVELS = ["debug", "info", "warning", "error", "critical"] as const;
type Level = (typeof LEVELS)[number];
const PAGE = 100;
const LEVEL_STYLE: Record<string, string> = {
  warning: "bg-amber-100 text-amber-900",
  error: "bg-red-100 text-red-800",
  critical: "bg-red-600 text-white",
};

/** Filters live in the URL, so a view of the log can be shared and reloaded. */
export function logQueryFrom(search: URLSearchParams, beforeId: number | null): LogQuery {
  const query: LogQuery = { limit: PAGE };
  const level = search.get("level");
  if (level && (LEVELS as readonly string[]).includes(level)) query.level = level as Level;
  for (const [param, key] of [
    ["q", "q"],
    ["request", "request_id"],
    ["guid", "transaction_guid"],
  ] as const) {
    const value = search.get(param)?.trim();
    if (value) query[key] = value;
  }
  if (beforeId !== null) query.before_id = beforeId;
  return query;
}

/** The platform's structured log, for administrators: every replica's lines, as text. */
export function LogsPage() {
  usePageTitle("Logs");
  const { user } = useAuth();
  const [search, setSearch] = useSearchParams();
  const [pages, setPages] = useState<number[]>([]); // before_id of each older page opened
  const beforeId = pages.at(-1) ?? null;
  const query = useMemo(() => logQueryFrom(search, beforeId), [search, beforeId]);
  const follow = search.get("follow") !== "0";
  const logs = useLogPage(query, follow, user?.is_admin ?? false);

  if (!user?.is_admin) {
    return (
      <section className="flex flex-col gap-2">
        <h2 className="text-xl font-semibold">Logs</h2>
        <p className="text-sm">The log is for administrators.</p>
      </section>
    );
  }

  function applyFilters(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of ["level", "q", "request", "guid"]) {
      const value = String(form.get(name) ?? "").trim();
      if (value) next.set(name, value);
    }
    if (!follow) next.set("follow", "0");
    setPages([]);
    setSearch(next);
  }

  function setFollow(on: boolean): void {
    const next = new URLSearchParams(search);
    if (on) next.delete("follow");
    else next.set("follow", "0");
    setPages([]);
    setSearch(next);
  }

  const entries = logs.data?.entries ?? [];
  return (
    <section className="flex min-w-0 flex-col gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="text-xl font-semibold">Logs</h2>
        <label className="ml-auto flex items-center gap-2 text-sm">
          <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.target.checked)} />
          Follow new lines
        </label>
      </div>
      <form className="flex flex-wrap items-end gap-2 text-sm" onSubmit={applyFilters} key={search.toString()}>
        <label className="flex flex-col gap-1">
          Level
          <select name="level" defaultValue={search.get("level") ?? ""} className="rounded border border-slate-300 px-2 py-1">
            <option value="">all</option>
            {LEVELS.map((level) => (
              <option key={level} value={level}>
                {level} and above
              </option>
            ))}
          </select>
        </label>
        <label className="flex min-w-0 flex-1 flex-col gap-1">
          Text
          <input
            name="q"
            defaultValue={search.get("q") ?? ""}
            className="rounded border border-slate-300 px-2 py-1"
            placeholder="in the message or any field"
          />
        </label>
        <label className="flex min-w-0 flex-col gap-1">
          Request id
          <input name="request" defaultValue={search.get("request") ?? ""} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex min-w-0 flex-col gap-1">
          Transaction GUID
          <input name="guid" defaultValue={search.get("guid") ?? ""} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <button type="submit" className="rounded bg-indigo-600 px-3 py-1 text-white">
          Filter
        </button>
      </form>
      <ErrorNote error={logs.error} className="rounded bg-red-50 p-3 text-sm" />
      {logs.isPending && <p className="text-sm text-slate-500">Loading the log…</p>}
      {logs.data && entries.length === 0 && (
        <p className="text-sm text-slate-500" data-testid="logs-empty">
          No log lines match.
        </p>
      )}
      <ol
        className="flex flex-col divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white font-mono text-xs"
        data-testid="log-entries"
      >
        {entries.map((entry) => (
          <LogLine key={entry.id} entry={entry} />
        ))}
      </ol>
      <div className="flex gap-2 text-sm">
        {pages.length > 0 && (
          <button type="button" className="rounded border border-slate-300 px-3 py-1" onClick={() => setPages(pages.slice(0, -1))}>
            Newer
          </button>
        )}
        {logs.data?.next_before_id != null && (
          <button
            type="button"
            className="rounded border border-slate-300 px-3 py-1"
            onClick={() => setPages([...pages, logs.data?.next_before_id ?? 0])}
          >
            Older
          </button>
        )}
      </div>
    </section>
  );
}

/** One line, as text: React escapes every value, so a line holding markup shows the markup. */
function LogLine({ entry }: { entry: LogEntryOut }) {
  const fields = Object.entries(entry.fields).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return (
    <li className="flex min-w-0 flex-col gap-1 p-2" data-testid="log-entry">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <time className="text-slate-500" dateTime={entry.created_at}>
          {entry.created_at.replace("T", " ").slice(0, 23)}
        </time>
        <span className={`rounded px-1 ${LEVEL_STYLE[entry.level] ?? "bg-slate-100"}`}>{entry.level}</span>
        <span className="text-slate-500">{entry.logger}</span>
        <span className="min-w-0 break-all font-semibold" data-testid="log-event">
          {entry.event}
        </span>
      </div>
      {fields.length > 0 && (
        <p className="min-w-0 whitespace-pre-wrap break-all text-slate-700" data-testid="log-fields">
          {fields.join("  ")}
        </p>
      )}
      <div className="flex flex-wrap gap-x-3 text-slate-500">
        {entry.request_id && <span>request {entry.request_id}</span>}
        {entry.transaction_guid && (
          <Link to={`/cost?transaction=${encodeURIComponent(entry.transaction_guid)}`} className="break-all text-indigo-700 underline">
            ledger {entry.transaction_guid}
          </Link>
        )}
      </div>
    </li>
  );
}
