import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { BreakdownTable } from "./BreakdownTable";
import { breakdownRows } from "./breakdown";

const slice = (requests: number, tokens: number, cost: string) => ({ requests, tokens, cost_usd: Number(cost), cost_exact: cost });

function renderTable() {
  const rows = breakdownRows({
    "gpt-4o-mini": slice(10, 500, "0.300000000"),
    "claude-haiku": slice(30, 200, "0.100000000"),
    "local-model": slice(20, 900, "0.600000000"),
  });
  render(<BreakdownTable id="model" title="By model" keyLabel="Model" rows={rows} />);
  const table = screen.getByTestId("breakdown-model");
  const names = () =>
    within(table)
      .getAllByRole("rowheader")
      .map((cell) => cell.textContent);
  const header = (name: string) => within(table).getByRole("columnheader", { name: new RegExp(`^${name}`) });
  return { table, names, header };
}

describe("BreakdownTable", () => {
  it("starts with the dearest first and shows each slice's share of the spend", () => {
    const { table, names, header } = renderTable();
    expect(names()).toEqual(["local-model", "gpt-4o-mini", "claude-haiku"]);
    expect(header("Cost")).toHaveAttribute("aria-sort", "descending");
    const first = within(table).getAllByRole("row")[1] as HTMLElement;
    expect(within(first).getByText("$0.60")).toBeInTheDocument();
    expect(within(first).getByText("60%")).toBeInTheDocument();
  });

  it("sorts by the clicked column, and reverses on a second click", async () => {
    const actor = userEvent.setup();
    const { names, header } = renderTable();
    await actor.click(within(header("Calls")).getByRole("button"));
    expect(names()).toEqual(["claude-haiku", "local-model", "gpt-4o-mini"]);
    expect(header("Calls")).toHaveAttribute("aria-sort", "descending");
    expect(header("Cost")).toHaveAttribute("aria-sort", "none");

    await actor.click(within(header("Calls")).getByRole("button"));
    expect(names()).toEqual(["gpt-4o-mini", "local-model", "claude-haiku"]);
    expect(header("Calls")).toHaveAttribute("aria-sort", "ascending");

    await actor.click(within(header("Tokens")).getByRole("button"));
    expect(names()).toEqual(["local-model", "gpt-4o-mini", "claude-haiku"]);

    await actor.click(within(header("Model")).getByRole("button"));
    expect(names()).toEqual(["claude-haiku", "gpt-4o-mini", "local-model"]);

    await actor.click(within(header("Share")).getByRole("button"));
    expect(names()).toEqual(["local-model", "gpt-4o-mini", "claude-haiku"]);
  });

  it("shows no share when nothing was spent, and says when there is nothing", () => {
    render(<BreakdownTable id="free" title="By provider" keyLabel="Provider" rows={breakdownRows({ embedded: slice(3, 90, "0E-9") })} />);
    expect(within(screen.getByTestId("breakdown-free")).getByText("—")).toBeInTheDocument();
    render(<BreakdownTable id="none" title="By user" keyLabel="User" rows={[]} />);
    expect(within(screen.getByTestId("breakdown-none")).getByText("Nothing in this period.")).toBeInTheDocument();
  });
});
