import { useState } from "react";
import { useLedgerPage } from "../api/cost";
import type { Transaction } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { frameworkLabel } from "../lib/frameworks";
import { type CostQuery, OPERATION_LABELS } from "./filters";
import { formatCount, formatLatency, formatUsd, formatUtc } from "./format";
import { StatusBadge } from "./StatusBadge";

const PAGE_SIZE = 25;
// What tells calls apart comes first: on a phone, the columns past the screen's edge scroll.
const COLUMNS = ["Time (UTC)", "Framework / step", "Status", "Cost", "Tokens in / out", "Latency", "Operation", "Model"];

interface PagePosition {
  cursor: string | null;
  offset: number;
}
interface LedgerPosition extends PagePosition {
  previous: PagePosition[];
}

/**
 * The ledger, one row per provider call, newest first, paged by the server's keyset cursor.
 * Give it a `key` that changes with the filters, so new filters start from the first page.
 */
export function LedgerTable({ query, onOpen }: { query: CostQuery; onOpen: (guid: string) => void }) {
  // The pages before this one (Previous pops), and this page's own cursor (null: the first) and
  // offset (the rows before it, for "26–50 of 120").
  const [current, setCurrent] = useState<LedgerPosition>({ previous: [], cursor: null, offset: 0 });
  const page = useLedgerPage(query, current.cursor, PAGE_SIZE);
  const rows = page.data?.transactions ?? [];
  const first = current.offset + 1;
  const total = page.data?.total ?? 0;

  return (
    <section aria-labelledby="ledger-title" className="flex min-w-0 flex-col gap-2 rounded-lg border border-slate-200 bg-white p-3">
      <div className="flex flex-wrap items-baseline gap-x-3">
        <h3 id="ledger-title" className="font-semibold">
          Ledger
        </h3>
        <span className="text-xs text-slate-500" data-testid="ledger-total">
          {formatCount(total)} provider {total === 1 ? "call" : "calls"}
        </span>
        <span className="text-xs text-slate-500">Select a row to see every call of its transaction.</span>
      </div>
      <ErrorNote error={page.error} />
      <div className="overflow-x-auto">
        <table className="w-full text-xs tabular-nums sm:text-sm" data-testid="ledger">
          <thead className="border-b border-slate-200 text-xs text-slate-600">
            <tr>
              {COLUMNS.map((name) => (
                <th key={name} scope="col" className="whitespace-nowrap px-2 py-1 text-left font-medium">
                  {name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody aria-busy={page.isFetching}>
            {rows.map((row) => (
              <LedgerRow key={row.id} row={row} onOpen={onOpen} />
            ))}
            {page.isPending && (
              <tr>
                <td colSpan={8} className="px-2 py-4 text-center text-slate-500">
                  Loading…
                </td>
              </tr>
            )}
            {page.data && rows.length === 0 && (
              <tr>
                <td colSpan={8} className="px-2 py-4 text-center text-slate-500">
                  No provider calls in this period.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {(current.previous.length > 0 || page.data?.next_cursor) && (
        <nav aria-label="Ledger pages" className="flex flex-wrap items-center gap-3 text-sm">
          <button
            type="button"
            className="rounded border border-slate-300 px-3 py-1 disabled:opacity-40"
            disabled={current.previous.length === 0}
            onClick={() =>
              setCurrent({ previous: current.previous.slice(0, -1), ...(current.previous.at(-1) ?? { cursor: null, offset: 0 }) })
            }
          >
            Previous
          </button>
          <span data-testid="ledger-range">
            {formatCount(first)}–{formatCount(first + rows.length - 1)} of {formatCount(total)}
          </span>
          <button
            type="button"
            className="rounded border border-slate-300 px-3 py-1 disabled:opacity-40"
            disabled={!page.data?.next_cursor || page.isPlaceholderData}
            onClick={() =>
              setCurrent({
                previous: [...current.previous, { cursor: current.cursor, offset: current.offset }],
                cursor: page.data?.next_cursor ?? null,
                offset: current.offset + rows.length,
              })
            }
          >
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

function LedgerRow({ row, onOpen }: { row: Transaction; onOpen: (guid: string) => void }) {
  const failed = row.status !== "ok";
  return (
    <tr
      className={`cursor-pointer border-b border-slate-100 last:border-0 hover:bg-indigo-50 ${failed ? "bg-red-50/60" : ""}`}
      onClick={() => onOpen(row.transaction_guid)}
    >
      <td className="whitespace-nowrap px-2 py-1">
        {/* The button makes the row reachable and operable from the keyboard. */}
        <button
          type="button"
          className="text-left text-indigo-700 underline-offset-2 hover:underline"
          aria-label={`Open transaction ${row.transaction_guid}`}
          onClick={(event) => {
            event.stopPropagation();
            onOpen(row.transaction_guid);
          }}
        >
          {formatUtc(row.created_at)}
        </button>
      </td>
      <td className="whitespace-nowrap px-2 py-1">
        {frameworkLabel(row.framework)}
        {row.step && <span className="text-slate-500"> / {row.step}</span>}
      </td>
      <td className="whitespace-nowrap px-2 py-1">
        <StatusBadge status={row.status} httpStatus={row.http_status} />
      </td>
      <td className="whitespace-nowrap px-2 py-1">
        {formatUsd(row.cost_exact)}
        {row.price_source === "unknown" && (
          <span className="ml-1 text-xs text-amber-700" title="no known price for this model">
            unpriced
          </span>
        )}
      </td>
      <td className="whitespace-nowrap px-2 py-1">
        {formatCount(row.input_tokens)} / {formatCount(row.output_tokens)}
        {row.tokens_estimated && (
          <span className="ml-1 text-xs text-amber-700" title="counted here: the provider reported no usage">
            est.
          </span>
        )}
      </td>
      <td className="whitespace-nowrap px-2 py-1">{formatLatency(row.generation_time_ms)}</td>
      <td className="whitespace-nowrap px-2 py-1">{OPERATION_LABELS[row.type] ?? row.type}</td>
      <td className="max-w-[10rem] truncate px-2 py-1" title={row.model}>
        {row.model}
      </td>
    </tr>
  );
}
