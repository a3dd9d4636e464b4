import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { PerformanceResponse, UnitCost, UsageSummary } from "../client/types.gen";
import { Headline } from "./Headline";

const summary: UsageSummary = {
  total_requests: 1234,
  total_tokens: 1_500_000,
  input_tokens: 1_000_000,
  output_tokens: 500_000,
  cached_tokens: 2048,
  total_cost_usd: 12.3456789,
  total_cost_exact: "12.345678900",
  average_cost_per_request: 0.01,
  failed_requests: 37,
  estimated_requests: 5,
  date_range: { start: "2026-11-01", end: "2026-11-24" },
};

const unit = (key: string, units: number, median: string | null): UnitCost => ({
  key,
  units,
  cost_exact: "1",
  mean_cost_usd: median === null ? null : Number(median) * 1.5,
  mean_cost_exact: median === null ? null : String(Number(median) * 1.5),
  median_cost_usd: median === null ? null : Number(median),
  median_cost_exact: median,
  median_tokens: 400,
  median_latency_ms: 900,
  p95_latency_ms: 2000,
});

const performance: PerformanceResponse = {
  latency_ms: { count: 1200, median: 812.4, p95: 4321 },
  time_to_first_token_ms: { count: 10, median: 100, p95: 300 },
  by_operation: [unit("story_generation", 40, "0.002500000"), unit("chat", 1, "0.000100000")],
  frameworks: [],
};

const figure = (id: string) => screen.getByTestId(`figure-${id}`);

describe("Headline", () => {
  it("formats every figure: exact spend, grouped counts, failure rate, latency, cost per unit", () => {
    render(<Headline summary={summary} performance={performance} />);
    expect(figure("spend")).toHaveTextContent("$12.3456789");
    expect(figure("calls")).toHaveTextContent("1,234");
    expect(screen.getByText("5 calls with estimated tokens")).toBeInTheDocument();
    expect(figure("input-tokens")).toHaveTextContent("1,000,000");
    expect(figure("output-tokens")).toHaveTextContent("500,000");
    expect(figure("cached-tokens")).toHaveTextContent("2,048");
    expect(figure("failure-rate")).toHaveTextContent("3%");
    expect(screen.getByText("37 failed calls")).toBeInTheDocument();
    expect(figure("latency")).toHaveTextContent("812 ms");
    expect(screen.getByText("median; p95 4.32 s")).toBeInTheDocument();
    expect(figure("per-story_generation")).toHaveTextContent("$0.0025");
    expect(screen.getByText("median of 40 stories; mean $0.00375")).toBeInTheDocument();
    expect(figure("per-chat")).toHaveTextContent("$0.0001");
    expect(screen.getByText(/median of 1 reply;/)).toBeInTheDocument();
    expect(figure("per-document_run")).toHaveTextContent("—");
    expect(screen.queryByTestId("figure-per-comparison")).not.toBeInTheDocument();
    expect(screen.queryByTestId("figure-cache-hits")).not.toBeInTheDocument(); // none: not shown
  });

  it("counts answers from the response cache apart from provider calls", () => {
    render(<Headline summary={{ ...summary, cache_hits: 3 }} performance={performance} />);
    expect(figure("cache-hits")).toHaveTextContent("3");
    expect(screen.getByText("answers repeated at $0, no provider call")).toBeInTheDocument();
    expect(figure("calls")).toHaveTextContent("1,234");
  });

  it("shows no estimate note when every call reported its usage, and a dash for no calls", () => {
    render(<Headline summary={{ ...summary, total_requests: 0, failed_requests: 0, estimated_requests: 0 }} performance={undefined} />);
    expect(screen.queryByText(/estimated tokens/)).not.toBeInTheDocument();
    expect(figure("failure-rate")).toHaveTextContent("—");
    expect(figure("latency")).toHaveTextContent("—");
  });
});
