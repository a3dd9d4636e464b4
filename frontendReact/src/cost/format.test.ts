import { describe, expect, it } from "vitest";
import { failureRate, formatLatency, formatPercent, formatUsd } from "./format";

describe("cost figures", () => {
  it("shows exact decimal money without rounding it away", () => {
    expect(formatUsd("0.001332000")).toBe("$0.001332");
    expect(formatUsd("0.000000001")).toBe("$0.000000001");
    expect(formatUsd("1234.500000000")).toBe("$1,234.50");
    expect(formatUsd("0E-9")).toBe("$0.00");
    expect(formatUsd("0")).toBe("$0.00");
    expect(formatUsd(null)).toBe("—");
  });

  it("gives the failure rate as a percentage, and a dash with no calls", () => {
    expect(failureRate(1, 3)).toBe("33.3%");
    expect(failureRate(0, 17)).toBe("0%");
    expect(failureRate(0, 0)).toBe("—");
    expect(formatPercent(0.0004)).toBe("<0.1%");
    expect(formatPercent(1)).toBe("100%");
  });

  it("gives latencies in ms below a second", () => {
    expect(formatLatency(231.4)).toBe("231 ms");
    expect(formatLatency(5071)).toBe("5.07 s");
    expect(formatLatency(null)).toBe("—");
  });
});
