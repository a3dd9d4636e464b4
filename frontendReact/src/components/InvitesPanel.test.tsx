import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders, stubApi } from "../test-utils";
import { InvitesPanel } from "./InvitesPanel";

afterEach(() => vi.unstubAllGlobals());

describe("InvitesPanel", () => {
  it("creates an invite whose code is shown once and copyable, and lists invites", async () => {
    const invites: { id: number; created_at: string; expires_at: string; used_at: string | null; used_by: number | null }[] = [
      { id: 1, created_at: "2026-11-01T08:00:00Z", expires_at: "2026-11-08T08:00:00Z", used_at: "2026-11-02T08:00:00Z", used_by: 3 },
    ];
    const requests = stubApi({
      "GET /api/admin/invites": () => ({ invites, total: invites.length, skip: 0, limit: 100 }),
      "POST /api/admin/invites": () => {
        const invite = { id: 2, created_at: "2026-11-24T08:00:00Z", expires_at: "2999-12-01T08:00:00Z", used_at: null, used_by: null };
        invites.push(invite);
        return { ...invite, code: "inv_secret_code" };
      },
    });
    const actor = userEvent.setup(); // before the clipboard stub: it installs a clipboard of its own
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
    renderWithProviders(<InvitesPanel />);
    const list = await screen.findByTestId("invites");
    expect(await within(list).findByText(/^used /)).toBeInTheDocument();

    await actor.click(screen.getByRole("button", { name: "Create invite code" }));
    expect(await screen.findByTestId("new-invite-code")).toHaveTextContent("inv_secret_code");
    expect(new URL(requests.find((request) => request.method === "POST")?.url ?? "").searchParams.get("valid_days")).toBe("7");
    expect(await within(list).findByText(/^open until/)).toBeInTheDocument();
    // the list never carries a code: it is shown only in the one-time notice
    expect(within(list).queryByText(/inv_secret_code/)).not.toBeInTheDocument();

    await actor.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith("inv_secret_code");
    expect(screen.getByRole("button", { name: "Copied" })).toBeInTheDocument();
  });
});
