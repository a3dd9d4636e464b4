import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders, stubApi } from "../test-utils";
import { UsersPanel } from "./UsersPanel";

afterEach(() => vi.unstubAllGlobals());

describe("UsersPanel", () => {
  it("disables another account, and never offers to disable yourself", async () => {
    let active = true;
    const base = { is_admin: false, created_at: "2026-11-24T08:00:00Z" };
    stubApi({
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
    const actor = userEvent.setup();
    renderWithProviders(<UsersPanel selfId={1} />);
    const list = await screen.findByTestId("users");
    await within(list).findByText("user@example.com");
    expect(within(list).getAllByRole("button")).toHaveLength(1);
    await actor.click(within(list).getByRole("button", { name: "Disable" }));
    expect(await within(list).findByText("disabled")).toBeInTheDocument();
    expect(within(list).getByRole("button", { name: "Enable" })).toBeInTheDocument();
  });
});
