import { useState } from "react";
import { downloadLedgerCsv } from "../api/cost";
import type { CostQuery } from "./filters";

/** Download the ledger rows for the current filters as CSV (exact decimal costs, every column). */
export function CsvButton({ query }: { query: CostQuery }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function download(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await downloadLedgerCsv(query);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "The download failed.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="flex flex-col items-start gap-1">
      <button
        type="button"
        className="rounded border border-slate-300 bg-white px-3 py-1 text-sm disabled:opacity-50"
        disabled={busy}
        onClick={() => void download()}
      >
        {busy ? "Preparing CSV…" : "Download CSV"}
      </button>
      {error && (
        <span role="alert" className="text-xs text-red-700">
          {error}
        </span>
      )}
    </span>
  );
}
