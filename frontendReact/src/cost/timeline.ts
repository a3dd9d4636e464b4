// The timeline as chart rows: one row per UTC day (or hour), every bucket of the range present
// (zeros where nothing ran) so the time axis is continuous, one column per framework.
import type { TimelinePoint } from "../client/types.gen";
import { FRAMEWORKS } from "../lib/frameworks";
import { addDays } from "./filters";

export type Metric = "cost" | "calls" | "tokens";

export interface TimelineRow {
  /** "YYYY-MM-DD" or "YYYY-MM-DDTHH" (UTC) */
  bucket: string;
  label: string;
  /** `${metric}:${framework}` → value */
  [series: string]: string | number;
}

export const seriesKey = (metric: Metric, framework: string) => `${metric}:${framework}`;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function dayLabel(day: string): string {
  return `${MONTHS[Number(day.slice(5, 7)) - 1]} ${Number(day.slice(8, 10))}`;
}

/** Every bucket from start to end (inclusive), hours stopping at the current one. */
export function buckets(start: string, end: string, granularity: "day" | "hour", now: Date = new Date()): string[] {
  const result: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) {
    if (granularity === "day") {
      result.push(day);
      continue;
    }
    for (let hour = 0; hour < 24; hour += 1) {
      const bucket = `${day}T${String(hour).padStart(2, "0")}`;
      if (bucket > now.toISOString().slice(0, 13)) return result;
      result.push(bucket);
    }
  }
  return result;
}

function label(bucket: string, multiDay: boolean): string {
  if (bucket.length === 10) return dayLabel(bucket);
  const time = `${bucket.slice(11, 13)}:00`;
  return multiDay ? `${dayLabel(bucket.slice(0, 10))} ${time}` : time;
}

/** The frameworks present, the three known ones first in their usual order. */
export function timelineFrameworks(points: TimelinePoint[]): string[] {
  const seen = new Set(points.map((point) => point.framework));
  const known = FRAMEWORKS.filter((name) => seen.has(name));
  return [...known, ...[...seen].filter((name) => !known.includes(name as (typeof FRAMEWORKS)[number])).sort()];
}

export function timelineRows(
  points: TimelinePoint[],
  range: { start: string; end: string },
  granularity: "day" | "hour",
  now: Date = new Date(),
): TimelineRow[] {
  const frameworks = timelineFrameworks(points);
  const multiDay = range.start !== range.end;
  const rows = new Map<string, TimelineRow>();
  for (const bucket of buckets(range.start, range.end, granularity, now)) {
    const row: TimelineRow = { bucket, label: label(bucket, multiDay) };
    for (const framework of frameworks) {
      for (const metric of ["cost", "calls", "tokens"] as const) row[seriesKey(metric, framework)] = 0;
    }
    rows.set(bucket, row);
  }
  for (const point of points) {
    // "2026-11-24T19:00:00Z" → the day or the hour it starts
    const bucket = point.start.slice(0, granularity === "day" ? 10 : 13);
    const row = rows.get(bucket);
    if (!row) continue;
    const add = (metric: Metric, value: number) => {
      const key = seriesKey(metric, point.framework);
      row[key] = Number(row[key] ?? 0) + value;
    };
    add("cost", point.cost_usd);
    add("calls", point.requests);
    add("tokens", point.input_tokens + point.output_tokens);
  }
  return [...rows.values()];
}
