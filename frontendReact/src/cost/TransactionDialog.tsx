import { useEffect, useRef } from "react";
import { useTransaction } from "../api/cost";
import { ErrorNote } from "../components/ErrorNote";
import { frameworkLabel } from "../lib/frameworks";
import { OPERATION_LABELS } from "./filters";
import { formatCount, formatLatency, formatUsd, formatUtc } from "./format";
import { StatusBadge } from "./StatusBadge";

/** Every provider call under one transaction GUID (retries and failed attempts too), oldest first. */
export function TransactionDialog({ guid, onClose }: { guid: string; onClose: () => void }) {
  const transaction = useTransaction(guid);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      opener?.focus?.();
    };
  }, [onClose]);

  const data = transaction.data;
  return (
    // A click on the backdrop closes the dialog: a mouse shortcut only, as the keyboard has Escape
    // (handled on the document above) and the Close button.
    // biome-ignore lint/a11y/noStaticElementInteractions: see above
    // biome-ignore lint/a11y/useKeyWithClickEvents: see above
    <div className="fixed inset-0 z-20 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-2 sm:p-6" onClick={onClose}>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: only stops a click inside from reaching the backdrop */}
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="transaction-title"
        className="flex w-full max-w-4xl min-w-0 flex-col gap-3 rounded-lg bg-white p-4 shadow-xl"
        data-testid="transaction"
        onClick={(event) => event.stopPropagation()}
      >
        <div className="flex items-start gap-3">
          <div className="min-w-0">
            <h3 id="transaction-title" className="font-semibold">
              Transaction
            </h3>
            <p className="break-all font-mono text-xs text-slate-500">{guid}</p>
          </div>
          <button ref={closeRef} type="button" className="ml-auto rounded border border-slate-300 px-3 py-1 text-sm" onClick={onClose}>
            Close
          </button>
        </div>
        {transaction.isPending && <p className="text-sm text-slate-500">Loading…</p>}
        <ErrorNote error={transaction.error} />
        {data && (
          <>
            <p className="text-sm" data-testid="transaction-totals">
              {data.calls.length} provider {data.calls.length === 1 ? "call" : "calls"} · {formatCount(data.total_tokens)} tokens ·{" "}
              <strong>{formatUsd(data.total_cost_exact)}</strong>
            </p>
            {/* A phone gets one card per call (every figure in view); wider screens get the table. */}
            <ol className="flex flex-col gap-2 sm:hidden" aria-label="Calls">
              {data.calls.map((call) => (
                <li key={call.id} className="rounded border border-slate-200 p-2 text-xs">
                  <div className="flex flex-wrap items-center gap-2">
                    <span className="font-medium">
                      {frameworkLabel(call.framework)}
                      {call.step && <span className="font-normal text-slate-500"> / {call.step}</span>}
                    </span>
                    <span>attempt {call.attempt}</span>
                    <StatusBadge status={call.status} httpStatus={call.http_status} />
                  </div>
                  {call.error_message && <p className="break-words text-red-700">{call.error_message}</p>}
                  <p className="text-slate-600">
                    {formatUtc(call.created_at)} · {OPERATION_LABELS[call.type] ?? call.type} · {call.model}
                  </p>
                  <p className="tabular-nums">
                    {formatLatency(call.generation_time_ms)} (first token {formatLatency(call.time_to_first_token_ms)}) ·{" "}
                    {formatCount(call.input_tokens)} / {formatCount(call.output_tokens)} tokens
                    {call.tokens_estimated && <span className="ml-1 text-amber-700">est.</span>} · {formatUsd(call.cost_exact)}
                  </p>
                </li>
              ))}
            </ol>
            <div className="hidden overflow-x-auto sm:block">
              <table className="w-full text-xs tabular-nums sm:text-sm" data-testid="transaction-calls">
                <thead className="border-b border-slate-200 text-xs text-slate-600">
                  <tr>
                    {[
                      "Time (UTC)",
                      "Operation",
                      "Framework / step",
                      "Attempt",
                      "Status",
                      "Latency",
                      "First token",
                      "Tokens in / out",
                      "Cost",
                    ].map((name) => (
                      <th key={name} scope="col" className="whitespace-nowrap px-2 py-1 text-left font-medium">
                        {name}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {data.calls.map((call) => (
                    <tr key={call.id} className="border-b border-slate-100 align-top last:border-0">
                      <td className="whitespace-nowrap px-2 py-1">{formatUtc(call.created_at)}</td>
                      <td className="whitespace-nowrap px-2 py-1">{OPERATION_LABELS[call.type] ?? call.type}</td>
                      <td className="whitespace-nowrap px-2 py-1">
                        {frameworkLabel(call.framework)}
                        {call.step && <span className="text-slate-500"> / {call.step}</span>}
                        <div className="text-xs text-slate-500">
                          {call.model} · {call.provider}
                        </div>
                      </td>
                      <td className="px-2 py-1">{call.attempt}</td>
                      <td className="px-2 py-1">
                        <StatusBadge status={call.status} httpStatus={call.http_status} />
                        {call.error_message && <div className="max-w-[16rem] break-words text-xs text-red-700">{call.error_message}</div>}
                      </td>
                      <td className="whitespace-nowrap px-2 py-1">{formatLatency(call.generation_time_ms)}</td>
                      <td className="whitespace-nowrap px-2 py-1">{formatLatency(call.time_to_first_token_ms)}</td>
                      <td className="whitespace-nowrap px-2 py-1">
                        {formatCount(call.input_tokens)} / {formatCount(call.output_tokens)}
                        {call.tokens_estimated && <span className="ml-1 text-xs text-amber-700">est.</span>}
                      </td>
                      <td className="whitespace-nowrap px-2 py-1">{formatUsd(call.cost_exact)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
