import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { frameworkColor, frameworkLabel } from "../lib/frameworks";
import { type Metric, seriesKey, type TimelineRow } from "./timeline";

interface TimelineChartProps {
  id: string;
  title: string;
  rows: TimelineRow[];
  frameworks: string[];
  metric: Metric;
  format: (value: number) => string;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** One metric over time, a bar per day or hour, stacked by framework. */
export function TimelineChart({ id, title, rows, frameworks, metric, format }: TimelineChartProps) {
  const axisFormat = metric === "cost" ? (value: number) => format(value) : (value: number) => compact.format(value);
  return (
    <figure className="flex min-w-0 flex-col gap-2 rounded-lg border border-slate-200 bg-white p-3" data-testid={`chart-${id}`}>
      <figcaption className="text-sm font-semibold">{title}</figcaption>
      <div className="h-56 w-full min-w-0">
        <ResponsiveContainer width="100%" height="100%" minWidth={0}>
          <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
            <XAxis dataKey="label" tick={{ fontSize: 11 }} minTickGap={16} />
            <YAxis
              tick={{ fontSize: 11 }}
              tickFormatter={axisFormat}
              width={metric === "cost" ? 72 : 44}
              allowDecimals={metric === "cost"}
            />
            <Tooltip
              formatter={(value, name) => [format(Number(value)), frameworkLabel(String(name).split(":")[1] ?? "")]}
              labelFormatter={(label) => `${String(label)} (UTC)`}
            />
            <Legend
              itemSorter={null}
              formatter={(name) => frameworkLabel(String(name).split(":")[1] ?? "")}
              wrapperStyle={{ fontSize: 12 }}
            />
            {frameworks.map((framework) => (
              <Bar
                key={framework}
                dataKey={seriesKey(metric, framework)}
                stackId={metric}
                fill={frameworkColor(framework)}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
