import { describe, expect, it } from "vitest";
import type { TimelinePoint } from "../client/types.gen";
import { buckets, timelineFrameworks, timelineRows } from "./timeline";

const point = (start: string, framework: string, requests: number, cost: number): TimelinePoint => ({
  start,
  framework,
  requests,
  input_tokens: requests * 10,
  output_tokens: requests * 5,
  cost_usd: cost,
  cost_exact: cost.toFixed(9),
});

describe("timeline rows", () => {
  it("fills every day of the range with zeros where nothing ran", () => {
    const rows = timelineRows(
      [point("2026-11-02T00:00:00Z", "langgraph", 2, 0.5), point("2026-11-04T00:00:00Z", "langchain", 1, 0.25)],
      { start: "2026-11-01", end: "2026-11-05" },
      "day",
    );
    expect(rows.map((row) => row.bucket)).toEqual(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]);
    expect(rows.map((row) => row["calls:langgraph"])).toEqual([0, 2, 0, 0, 0]);
    expect(rows.map((row) => row["cost:langchain"])).toEqual([0, 0, 0, 0.25, 0]);
    expect(rows[1]?.["tokens:langgraph"]).toBe(30);
    expect(rows[0]?.label).toBe("Nov 1");
  });

  it("counts hours up to the current one, over two days", () => {
    const now = new Date("2026-11-24T05:10:00Z");
    const hours = buckets("2026-11-23", "2026-11-24", "hour", now);
    expect(hours).toHaveLength(24 + 6);
    expect(hours.at(-1)).toBe("2026-11-24T05");
    const rows = timelineRows(
      [point("2026-11-24T03:00:00Z", "semantic_kernel", 1, 0.1)],
      { start: "2026-11-23", end: "2026-11-24" },
      "hour",
      now,
    );
    expect(rows.find((row) => row.bucket === "2026-11-24T03")?.["calls:semantic_kernel"]).toBe(1);
    expect(rows.find((row) => row.bucket === "2026-11-24T03")?.label).toBe("Nov 24 03:00");
  });

  it("orders the frameworks as the app does", () => {
    expect(
      timelineFrameworks([
        point("2026-11-01", "langgraph", 1, 0),
        point("2026-11-01", "semantic_kernel", 1, 0),
        point("2026-11-01", "langchain", 1, 0),
      ]),
    ).toEqual(["semantic_kernel", "langchain", "langgraph"]);
  });
});
