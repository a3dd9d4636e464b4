import { useMemo } from "react";
import type { TimelinePoint } from "../client/types.gen";
import { formatCount, formatUsdApprox } from "./format";
import { TimelineChart } from "./TimelineChart";
import { timelineFrameworks, timelineRows } from "./timeline";

interface CostChartsProps {
  timeline: TimelinePoint[];
  range: { start: string; end: string };
  granularity: "day" | "hour";
}

/** Spend, calls and tokens over time, each stacked by framework. */
export function CostCharts({ timeline, range, granularity }: CostChartsProps) {
  const rows = useMemo(() => timelineRows(timeline, range, granularity), [timeline, range, granularity]);
  const frameworks = useMemo(() => timelineFrameworks(timeline), [timeline]);
  const per = granularity === "hour" ? "by hour" : "by day";
  return (
    <div className="grid gap-3 lg:grid-cols-2">
      <div className="lg:col-span-2">
        <TimelineChart id="spend" title={`Spend ${per} (UTC)`} rows={rows} frameworks={frameworks} metric="cost" format={formatUsdApprox} />
      </div>
      <TimelineChart id="calls" title={`Provider calls ${per}`} rows={rows} frameworks={frameworks} metric="calls" format={formatCount} />
      <TimelineChart
        id="tokens"
        title={`Tokens ${per} (input + output)`}
        rows={rows}
        frameworks={frameworks}
        metric="tokens"
        format={formatCount}
      />
    </div>
  );
}
