import { useState } from "react";
import { type BreakdownRow, DEFAULT_SORT, nextSort, type Sort, type SortColumn, sortRows } from "./breakdown";
import { formatCount, formatPercent, formatUsd } from "./format";

const COLUMNS: { column: SortColumn; label: string; numeric: boolean }[] = [
  { column: "requests", label: "Calls", numeric: true },
  { column: "tokens", label: "Tokens", numeric: true },
  { column: "cost", label: "Cost", numeric: true },
  { column: "share", label: "Share", numeric: true },
];

interface BreakdownTableProps {
  id: string;
  title: string;
  /** the first column's header: Framework, Model, ... */
  keyLabel: string;
  rows: BreakdownRow[];
}

/** One breakdown as a table, sorted by clicking a column header (again to reverse). */
export function BreakdownTable({ id, title, keyLabel, rows }: BreakdownTableProps) {
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT);
  const sorted = sortRows(rows, sort);
  const header = (column: SortColumn, label: string, numeric: boolean) => {
    const active = sort.column === column;
    return (
      <th
        key={column}
        scope="col"
        aria-sort={active ? (sort.direction === "asc" ? "ascending" : "descending") : "none"}
        className={`px-2 py-1 font-medium ${numeric ? "text-right" : "text-left"}`}
      >
        <button
          type="button"
          className="inline-flex items-center gap-1 hover:text-indigo-700"
          onClick={() => setSort(nextSort(sort, column))}
        >
          {label}
          <span aria-hidden="true" className={active ? "" : "text-slate-300"}>
            {active && sort.direction === "asc" ? "▲" : "▼"}
          </span>
        </button>
      </th>
    );
  };
  return (
    <div className="flex min-w-0 flex-col gap-2 rounded-lg border border-slate-200 bg-white p-3">
      <h4 className="text-sm font-semibold" id={`breakdown-${id}-title`}>
        {title}
      </h4>
      <div className="overflow-x-auto">
        <table className="w-full text-sm tabular-nums" aria-labelledby={`breakdown-${id}-title`} data-testid={`breakdown-${id}`}>
          <thead className="border-b border-slate-200 text-xs text-slate-600">
            <tr>
              {header("label", keyLabel, false)}
              {COLUMNS.map(({ column, label, numeric }) => header(column, label, numeric))}
            </tr>
          </thead>
          <tbody>
            {sorted.map((row) => (
              <tr key={row.key} className="border-b border-slate-100 last:border-0">
                <th scope="row" className="max-w-[12rem] break-words px-2 py-1 text-left font-normal">
                  {row.label}
                </th>
                <td className="px-2 py-1 text-right">{formatCount(row.requests)}</td>
                <td className="px-2 py-1 text-right">{formatCount(row.tokens)}</td>
                <td className="px-2 py-1 text-right">{formatUsd(row.costExact)}</td>
                <td className="px-2 py-1 text-right">{row.share === null ? "—" : formatPercent(row.share)}</td>
              </tr>
            ))}
            {sorted.length === 0 && (
              <tr>
                <td colSpan={5} className="px-2 py-3 text-center text-slate-500">
                  Nothing in this period.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
