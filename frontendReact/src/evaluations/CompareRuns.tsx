import { useState } from "react";
import { useEvaluationReport } from "../api/evaluations";
import type { EvaluationReport, EvaluationRunOut, FrameworkReportOut } from "../client/types.gen";
import { formatLatency, formatPercent, formatUsdApprox } from "../cost/format";
import { FRAMEWORK_LABELS } from "../lib/frameworks";

interface Metric {
  label: string;
  value: (row: FrameworkReportOut | undefined) => string;
}

const METRICS: Metric[] = [
  {
    label: "Judge score",
    value: (row) =>
      row?.total_score.mean === null || row?.total_score.mean === undefined ? "—" : `${row.total_score.mean.toFixed(1)} /20`,
  },
  { label: "Latency median", value: (row) => formatLatency(row?.latency_ms.median) },
  { label: "First token median", value: (row) => formatLatency(row?.time_to_first_token_ms.median) },
  {
    label: "Cost per story",
    value: (row) =>
      row?.cost_per_story_usd === null || row?.cost_per_story_usd === undefined ? "—" : formatUsdApprox(row.cost_per_story_usd),
  },
  {
    label: "Failure rate",
    value: (row) => (row?.failure_rate === null || row?.failure_rate === undefined ? "—" : formatPercent(row.failure_rate)),
  },
];

function rowOf(report: EvaluationReport | undefined, framework: string): FrameworkReportOut | undefined {
  return report?.frameworks.find((row) => row.framework === framework);
}

/** Two runs side by side (the same suite on two models, say): each framework's figures in both. */
export function CompareRuns({ report, runs }: { report: EvaluationReport; runs: EvaluationRunOut[] }) {
  const [otherId, setOtherId] = useState<number | null>(null);
  const other = runs.find((run) => run.id === otherId);
  const otherReport = useEvaluationReport(other).data;
  if (runs.length === 0) return null;
  const frameworks = [...new Set([...report.run.frameworks, ...(otherReport?.run.frameworks ?? [])])];
  return (
    <div className="flex flex-col gap-2">
      <label className="flex flex-wrap items-center gap-2 text-sm">
        Compare with
        <select
          className="rounded border border-slate-300 px-2 py-1"
          value={otherId ?? ""}
          onChange={(event) => setOtherId(event.target.value ? Number(event.target.value) : null)}
        >
          <option value="">another run…</option>
          {runs.map((run) => (
            <option key={run.id} value={run.id}>
              {run.name} (#{run.id}, {run.model})
            </option>
          ))}
        </select>
      </label>
      {otherReport && (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[40rem] text-sm" data-testid="compare-runs">
            <thead className="text-xs text-slate-500">
              <tr>
                <th className="px-2 py-1 text-left font-medium">Framework</th>
                <th className="px-2 py-1 text-left font-medium">Figure</th>
                <th className="px-2 py-1 text-right font-medium">
                  {report.run.name} ({report.run.model})
                </th>
                <th className="px-2 py-1 text-right font-medium">
                  {otherReport.run.name} ({otherReport.run.model})
                </th>
              </tr>
            </thead>
            <tbody>
              {frameworks.flatMap((framework) =>
                METRICS.map((metric, index) => (
                  <tr key={`${framework}-${metric.label}`} className={index === 0 ? "border-t border-slate-200" : ""}>
                    <th scope="row" className="px-2 py-1 text-left font-medium">
                      {index === 0 ? FRAMEWORK_LABELS[framework] : ""}
                    </th>
                    <td className="px-2 py-1">{metric.label}</td>
                    <td className="px-2 py-1 text-right tabular-nums">{metric.value(rowOf(report, framework))}</td>
                    <td className="px-2 py-1 text-right tabular-nums">{metric.value(rowOf(otherReport, framework))}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
