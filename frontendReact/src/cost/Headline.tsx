import type { PerformanceResponse, UnitCost, UsageSummary } from "../client/types.gen";
import { failureRate, formatCount, formatLatency, formatUsd } from "./format";

interface Figure {
  id: string;
  label: string;
  value: string;
  note?: string;
  tone?: "warn";
}

type Noun = [one: string, many: string];

const UNIT_FIGURES: { key: string; label: string; noun: Noun }[] = [
  { key: "story_generation", label: "Cost per story", noun: ["story", "stories"] },
  { key: "comparison", label: "Cost per compared story", noun: ["story", "stories"] },
  { key: "chat", label: "Cost per chat reply", noun: ["reply", "replies"] },
  { key: "document_run", label: "Cost per document run", noun: ["run", "runs"] },
];

export function plural(count: number, [one, many]: Noun): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

function unitFigure(unit: UnitCost | undefined, label: string, noun: Noun, id: string): Figure {
  if (!unit || unit.units === 0) return { id, label, value: "—", note: `no ${noun[1]} yet` };
  return {
    id,
    label,
    value: formatUsd(unit.median_cost_exact),
    note: `median of ${plural(unit.units, noun)}; mean ${formatUsd(unit.mean_cost_exact)}`,
  };
}

/** The figures that answer "how much, how many, how fast" for the current filters. */
export function buildFigures(summary: UsageSummary, performance: PerformanceResponse | undefined): Figure[] {
  const failed = summary.failed_requests;
  const figures: Figure[] = [
    { id: "spend", label: "Spend", value: formatUsd(summary.total_cost_exact) },
    {
      id: "calls",
      label: "Provider calls",
      value: formatCount(summary.total_requests),
      ...(summary.estimated_requests > 0 ? { note: `${plural(summary.estimated_requests, ["call", "calls"])} with estimated tokens` } : {}),
    },
    ...((summary.cache_hits ?? 0) > 0
      ? [
          {
            id: "cache-hits",
            label: "From the cache",
            value: formatCount(summary.cache_hits ?? 0),
            note: "answers repeated at $0, no provider call",
          },
        ]
      : []),
    { id: "input-tokens", label: "Input tokens", value: formatCount(summary.input_tokens) },
    { id: "output-tokens", label: "Output tokens", value: formatCount(summary.output_tokens) },
    { id: "cached-tokens", label: "Cached tokens", value: formatCount(summary.cached_tokens) },
    {
      id: "failure-rate",
      label: "Failure rate",
      value: failureRate(failed, summary.total_requests),
      note: plural(failed, ["failed call", "failed calls"]),
      ...(failed > 0 ? { tone: "warn" as const } : {}),
    },
    {
      id: "latency",
      label: "Provider latency",
      value: formatLatency(performance?.latency_ms.median),
      note: `median; p95 ${formatLatency(performance?.latency_ms.p95)}`,
    },
  ];
  const byOperation = new Map(performance?.by_operation.map((unit) => [unit.key, unit]));
  for (const { key, label, noun } of UNIT_FIGURES) {
    const found = byOperation.get(key);
    if (key === "comparison" && !found?.units) continue; // shown only when comparisons ran
    figures.push(unitFigure(found, label, noun, `per-${key}`));
  }
  return figures;
}

export function Headline({ summary, performance }: { summary: UsageSummary; performance: PerformanceResponse | undefined }) {
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" data-testid="headline">
      {buildFigures(summary, performance).map((figure) => (
        <div
          key={figure.id}
          className={`min-w-0 rounded-lg border bg-white p-3 ${figure.tone === "warn" ? "border-amber-300 bg-amber-50" : "border-slate-200"}`}
        >
          <dt className="text-xs text-slate-500">{figure.label}</dt>
          <dd className="break-words text-lg font-semibold tabular-nums" data-testid={`figure-${figure.id}`}>
            {figure.value}
          </dd>
          {figure.note && <dd className="text-xs text-slate-500">{figure.note}</dd>}
        </div>
      ))}
    </dl>
  );
}
