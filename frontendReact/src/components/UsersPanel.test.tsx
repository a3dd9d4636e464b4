import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders, stubApi } from "../test-utils";
import { UsersPanel } from "./UsersPanel";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("UsersPanel", () => {
  it("disables another account after confirmation, and never offers to disable yourself", async () => {
    let active = true;
    const base = { is_admin: false, created_at: "2026-11-24T08:00:00Z" };
    const requests = stubApi({
      "GET /api/admin/users": () => ({
        users: [
          { ...base, id: 1, email: "admin@example.com", is_admin: true, is_active: true },
          { ...base, id: 2, email: "user@example.com", is_active: active },
        ],
        total: 2,
        skip: 0,
        limit: 100,
      }),
      "POST /api/admin/users/2/disable": () => {
        active = false;
        return { ...base, id: 2, email: "user@example.com", is_active: false };
      },
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    const actor = userEvent.setup();
    renderWithProviders(<UsersPanel selfId={1} />);
    const list = await screen.findByTestId("users");
    await within(list).findByText("user@example.com");
    expect(within(list).getAllByRole("button", { name: /^(Disable|Enable)$/ })).toHaveLength(1);

    await actor.click(within(list).getByRole("button", { name: "Disable" }));
    expect(confirm.mock.calls[0]?.[0]).toContain("user@example.com");
    expect(requests.filter((request) => request.method === "POST")).toHaveLength(0);
    expect(within(list).queryByText("disabled")).not.toBeInTheDocument();

    await actor.click(within(list).getByRole("button", { name: "Disable" }));
    expect(await within(list).findByText("disabled")).toBeInTheDocument();
    expect(within(list).getByRole("button", { name: "Enable" })).toBeInTheDocument();
  });

  it("enables a disabled account without asking", async () => {
    const base = { is_admin: false, created_at: "2026-11-24T08:00:00Z" };
    let active = false;
    stubApi({
      "GET /api/admin/users": () => ({
        users: [{ ...base, id: 2, email: "user@example.com", is_active: active }],
        total: 1,
        skip: 0,
        limit: 100,
      }),
      "POST /api/admin/users/2/enable": () => {
        active = true;
        return { ...base, id: 2, email: "user@example.com", is_active: true };
      },
    });
    const confirm = vi.spyOn(window, "confirm");
    const actor = userEvent.setup();
    renderWithProviders(<UsersPanel selfId={1} />);
    await actor.click(await screen.findByRole("button", { name: "Enable" }));
    expect(await screen.findByRole("button", { name: "Disable" })).toBeInTheDocument();
    expect(confirm).not.toHaveBeenCalled();
  });

  it("sets a user's monthly budget as an exact decimal, and clears it", async () => {
    let budget: string | null = null;
    const base = { is_admin: false, is_active: true, created_at: "2026-11-24T08:00:00Z" };
    const requests = stubApi({
      "GET /api/admin/users": () => ({
        users: [{ ...base, id: 2, email: "user@example.com", monthly_budget_usd: budget }],
        total: 1,
        skip: 0,
        limit: 100,
      }),
      "PUT /api/admin/users/2/budget": async (_url, request) => {
        budget = ((await request.json()) as { monthly_budget_usd: string | null }).monthly_budget_usd;
        return { ...base, id: 2, email: "user@example.com", monthly_budget_usd: budget };
      },
    });
    const actor = userEvent.setup();
    renderWithProviders(<UsersPanel selfId={1} />);
    expect(await screen.findByTestId("budget-of-2")).toHaveTextContent("Budget: no budget");

    await actor.click(screen.getByRole("button", { name: "Edit the budget of user@example.com" }));
    await actor.type(screen.getByLabelText(/Monthly budget/), "12.50");
    await actor.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByTestId("budget-of-2")).toHaveTextContent("Budget: $12.50 / month");
    const put = requests.filter((request) => request.method === "PUT");
    expect(await put[0]?.json()).toEqual({ monthly_budget_usd: "12.50" });

    await actor.click(screen.getByRole("button", { name: "Edit the budget of user@example.com" }));
    expect(screen.getByLabelText(/Monthly budget/)).toHaveValue("12.50");
    await actor.click(screen.getByRole("button", { name: "No budget" }));
    expect(await screen.findByTestId("budget-of-2")).toHaveTextContent("Budget: no budget");
    expect(budget).toBeNull();
  });
});
