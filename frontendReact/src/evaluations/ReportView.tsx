import { lazy, Suspense, useState } from "react";
import { downloadReportCsv, downloadReportJson } from "../api/evaluations";
import type { EvaluationReport, EvaluationRunOut, FrameworkReportOut, ScoreOut } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { formatCount, formatLatency, formatPercent, formatUsd, formatUsdApprox } from "../cost/format";
import { FRAMEWORK_LABELS } from "../lib/frameworks";
import { CompareRuns } from "./CompareRuns";
import { RunStories } from "./RunStories";

// The charting library is loaded only when a report is shown.
const ReportCharts = lazy(() => import("./ReportCharts").then((module) => ({ default: module.ReportCharts })));

const CRITERIA = ["adherence", "coherence", "creativity", "length_fit"] as const;
const CRITERION_LABELS: Record<(typeof CRITERIA)[number], string> = {
  adherence: "Adherence",
  coherence: "Coherence",
  creativity: "Creativity",
  length_fit: "Length fit",
};

export function formatScore(score: ScoreOut | undefined, outOf: number): string {
  if (!score || score.mean === null || score.mean === undefined) return "—";
  const spread = score.stdev === null || score.stdev === undefined ? "" : ` ± ${score.stdev.toFixed(1)}`;
  return `${score.mean.toFixed(1)}${spread} /${outOf}`;
}

function Leaders({ report }: { report: EvaluationReport }) {
  // No leader: nothing measured yet, or a tie (e.g. every story at $0 on a local model).
  const name = (framework: string | null | undefined) =>
    framework ? FRAMEWORK_LABELS[framework as keyof typeof FRAMEWORK_LABELS] : "none (a tie or no figures)";
  return (
    <p className="rounded border border-emerald-200 bg-emerald-50 p-2 text-sm" data-testid="report-leaders">
      Best on quality: <strong>{name(report.leaders.quality)}</strong> · speed: <strong>{name(report.leaders.speed)}</strong> · cost:{" "}
      <strong>{name(report.leaders.cost)}</strong>
    </p>
  );
}

const cell = "px-2 py-1 text-right tabular-nums";
const head = "px-2 py-1 text-right font-medium";

function FrameworkRow({ row }: { row: FrameworkReportOut }) {
  return (
    <tr className="border-t border-slate-100" data-testid={`report-row-${row.framework}`}>
      <th scope="row" className="px-2 py-1 text-left font-medium">
        {FRAMEWORK_LABELS[row.framework]}
      </th>
      <td className={cell}>
        {row.stories}
        {row.failed > 0 ? ` (${row.failed} failed)` : ""}
      </td>
      <td className={cell}>{row.failure_rate === null || row.failure_rate === undefined ? "—" : formatPercent(row.failure_rate)}</td>
      <td className={cell}>
        {formatLatency(row.latency_ms.median)} / {formatLatency(row.latency_ms.p90)}
      </td>
      <td className={cell}>
        {formatLatency(row.time_to_first_token_ms.median)} / {formatLatency(row.time_to_first_token_ms.p90)}
      </td>
      <td className={cell}>
        {formatCount(row.input_tokens)} / {formatCount(row.output_tokens)}
      </td>
      <td className={cell} data-testid="cost-per-story">
        {row.cost_per_story_usd === null || row.cost_per_story_usd === undefined ? "—" : formatUsdApprox(row.cost_per_story_usd)}
      </td>
      <td className={cell}>{formatUsd(row.cost_exact)}</td>
      <td className={cell} data-testid="total-score">
        {formatScore(row.total_score, 20)}
      </td>
    </tr>
  );
}

function FrameworkTable({ report }: { report: EvaluationReport }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[48rem] text-sm" data-testid="report-table">
        <thead className="text-xs text-slate-500">
          <tr>
            <th className="px-2 py-1 text-left font-medium">Framework</th>
            <th className={head}>Stories</th>
            <th className={head}>Failure rate</th>
            <th className={head}>Latency median / p90</th>
            <th className={head}>First token median / p90</th>
            <th className={head}>Tokens in / out</th>
            <th className={head}>Cost per story</th>
            <th className={head}>Cost</th>
            <th className={head}>Judge score</th>
          </tr>
        </thead>
        <tbody>
          {report.frameworks.map((row) => (
            <FrameworkRow key={row.framework} row={row} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function JudgeTables({ report }: { report: EvaluationReport }) {
  if (report.verdicts === 0) {
    const why = !report.run.judge
      ? "Not judged (switched off for this run)."
      : report.failed_verdicts > 0
        ? `The judge could not score any brief yet (${report.failed_verdicts} failed verdicts).`
        : "No verdicts yet.";
    return (
      <p className="text-sm text-slate-500" data-testid="report-no-verdicts">
        {why}
      </p>
    );
  }
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="report-scores">
          <caption className="pb-1 text-left text-xs text-slate-500">
            Judge's scores, mean ± spread over {report.verdicts} verdicts
            {report.failed_verdicts ? ` (${report.failed_verdicts} failed)` : ""}
          </caption>
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="px-2 py-1 text-left font-medium">Framework</th>
              {CRITERIA.map((criterion) => (
                <th key={criterion} className={head}>
                  {CRITERION_LABELS[criterion]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.frameworks.map((row) => (
              <tr key={row.framework} className="border-t border-slate-100">
                <th scope="row" className="px-2 py-1 text-left font-medium">
                  {FRAMEWORK_LABELS[row.framework]}
                </th>
                {CRITERIA.map((criterion) => (
                  <td key={criterion} className={cell}>
                    {formatScore(row.scores[criterion], 5)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="report-wins">
          <caption className="pb-1 text-left text-xs text-slate-500">
            Win rate: how often the row's framework was ranked above the column's
          </caption>
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="px-2 py-1 text-left font-medium">Framework</th>
              {report.frameworks.map((column) => (
                <th key={column.framework} className={head}>
                  vs {FRAMEWORK_LABELS[column.framework]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.frameworks.map((row) => (
              <tr key={row.framework} className="border-t border-slate-100">
                <th scope="row" className="px-2 py-1 text-left font-medium">
                  {FRAMEWORK_LABELS[row.framework]}
                </th>
                {report.frameworks.map((column) => {
                  const rate = row.win_rates[column.framework];
                  return (
                    <td key={column.framework} className={cell}>
                      {column.framework === row.framework || rate === null || rate === undefined ? "—" : formatPercent(rate)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** A run's report: who leads, the figures per framework, the judge's scores, charts, exports. */
export function ReportView({ report, runs }: { report: EvaluationReport; runs: EvaluationRunOut[] }) {
  const [exportError, setExportError] = useState<Error | null>(null);
  const id = report.run.id;
  async function csv(): Promise<void> {
    setExportError(null);
    try {
      await downloadReportCsv(id);
    } catch (caught) {
      setExportError(caught instanceof Error ? caught : new Error("The download failed."));
    }
  }
  return (
    <div className="flex flex-col gap-4" data-testid="run-report">
      <Leaders report={report} />
      <FrameworkTable report={report} />
      <JudgeTables report={report} />
      <Suspense fallback={<p className="text-sm text-slate-500">Loading charts…</p>}>
        <ReportCharts report={report} />
      </Suspense>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-slate-600">
          Total {formatUsd(report.total_cost_exact)} (judge {formatUsdApprox(report.judge_cost_usd)})
        </span>
        <button type="button" className="rounded border border-slate-300 px-3 py-1" onClick={() => void csv()}>
          Download CSV
        </button>
        <button type="button" className="rounded border border-slate-300 px-3 py-1" onClick={() => downloadReportJson(report)}>
          Download JSON
        </button>
      </div>
      <ErrorNote error={exportError} className="rounded bg-red-50 p-2 text-sm" />
      <CompareRuns report={report} runs={runs.filter((run) => run.id !== id && run.status !== "planned")} />
      <RunStories run={report.run} />
    </div>
  );
}
