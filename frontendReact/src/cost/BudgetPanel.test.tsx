import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { BudgetState } from "../client/types.gen";
import { BudgetMeter } from "./BudgetPanel";

const budget = (overrides: Partial<BudgetState>): BudgetState => ({
  scope: "user_monthly",
  limit_usd: "10.000000000",
  spent_usd: "5.000000000",
  reserved_usd: "0.000000000",
  used_fraction: 0.5,
  warning: false,
  period_start: "2026-11-01T00:00:00Z",
  resets_at: "2026-12-01T00:00:00Z",
  ...overrides,
});

describe("BudgetMeter", () => {
  it("shows limit, spend and a bar, without a warning below 80%", () => {
    render(<BudgetMeter budget={budget({})} />);
    const meter = screen.getByTestId("budget-user_monthly");
    expect(meter).toHaveAttribute("data-warning", "false");
    expect(within(meter).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "50");
    expect(meter).toHaveTextContent("$5.00 spent of $10.00");
    expect(meter).toHaveTextContent("resets");
    expect(within(meter).queryByRole("status")).not.toBeInTheDocument();
  });

  it("warns at 80% or more, counting what running requests reserved", () => {
    render(<BudgetMeter budget={budget({ spent_usd: "7.000000000", reserved_usd: "1.500000000", used_fraction: 0.85, warning: true })} />);
    const meter = screen.getByTestId("budget-user_monthly");
    expect(meter).toHaveAttribute("data-warning", "true");
    expect(within(meter).getByRole("status")).toHaveTextContent("85% used");
    expect(within(meter).getByRole("progressbar").firstElementChild).toHaveClass("bg-amber-500");
    expect(meter).toHaveTextContent("+ $1.50 reserved by running requests");
  });

  it("says when the budget is used up, and keeps the bar full", () => {
    render(<BudgetMeter budget={budget({ scope: "global_daily", spent_usd: "12", used_fraction: 1.2, warning: true })} />);
    const meter = screen.getByTestId("budget-global_daily");
    expect(meter).toHaveTextContent("Platform daily cap");
    expect(within(meter).getByRole("status")).toHaveTextContent("Budget used up");
    expect(within(meter).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
  });

  it("says there is no budget when none is set", () => {
    render(<BudgetMeter budget={budget({ limit_usd: null, used_fraction: null, spent_usd: "0.25" })} />);
    expect(screen.getByTestId("budget-user_monthly")).toHaveTextContent("No budget set. Spent this month (UTC): $0.25.");
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();
  });
});
