import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { EvaluationReport } from "../client/types.gen";
import { formatLatency, formatUsdApprox } from "../cost/format";
import { FRAMEWORK_LABELS, frameworkColor } from "../lib/frameworks";

interface Chart {
  id: string;
  title: string;
  value: (row: EvaluationReport["frameworks"][number]) => number | null | undefined;
  format: (value: number) => string;
}

const CHARTS: Chart[] = [
  { id: "quality", title: "Judge score (mean of 20)", value: (row) => row.total_score.mean, format: (value) => value.toFixed(1) },
  { id: "latency", title: "Latency (median)", value: (row) => row.latency_ms.median, format: (value) => formatLatency(value) },
  { id: "cost", title: "Cost per story", value: (row) => row.cost_per_story_usd, format: formatUsdApprox },
];

/** Quality, speed and cost side by side: one bar per framework in each. */
export function ReportCharts({ report }: { report: EvaluationReport }) {
  return (
    <div className="grid gap-3 md:grid-cols-3">
      {CHARTS.filter((chart) => report.frameworks.some((row) => chart.value(row) !== null && chart.value(row) !== undefined)).map(
        (chart) => {
          const rows = report.frameworks.map((row) => ({
            framework: row.framework,
            label: FRAMEWORK_LABELS[row.framework],
            value: chart.value(row) ?? 0,
          }));
          return (
            <figure
              key={chart.id}
              className="flex min-w-0 flex-col gap-2 rounded-lg border border-slate-200 p-3"
              data-testid={`report-chart-${chart.id}`}
            >
              <figcaption className="text-sm font-semibold">{chart.title}</figcaption>
              <div className="h-44 w-full min-w-0">
                <ResponsiveContainer width="100%" height="100%" minWidth={0}>
                  <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
                    <XAxis dataKey="label" tick={{ fontSize: 11 }} />
                    <YAxis tick={{ fontSize: 11 }} tickFormatter={(value: number) => chart.format(value)} width={64} />
                    <Tooltip formatter={(value) => [chart.format(Number(value)), chart.title]} />
                    <Bar dataKey="value" isAnimationActive={false}>
                      {rows.map((row) => (
                        <Cell key={row.framework} fill={frameworkColor(row.framework)} />
                      ))}
                    </Bar>
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </figure>
          );
        },
      )}
    </div>
  );
}
