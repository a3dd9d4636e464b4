import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "../auth/AuthProvider";
import { setAccessToken } from "../auth/token";
import { renderWithProviders, stubApi } from "../test-utils";
import { AccountPage } from "./AccountPage";

const me = { id: 2, email: "grace@example.com", is_admin: false, is_active: true, created_at: "2026-11-24T08:00:00Z" };
const laptop = { id: 7, name: "laptop", prefix: "fapi_abcd", created_at: "2026-11-24T08:00:00Z", last_used_at: null };

function signedIn(routes: Parameters<typeof stubApi>[0]) {
  return stubApi({
    "POST /api/auth/refresh": () => ({ access_token: "token-1", token_type: "bearer", expires_at: "2026-11-24T09:00:00Z" }),
    "GET /api/auth/me": () => me,
    ...routes,
  });
}

function renderAccount() {
  return renderWithProviders(
    <AuthProvider>
      <AccountPage />
    </AuthProvider>,
  );
}

beforeEach(() => setAccessToken(null));
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("AccountPage", () => {
  it("names the page and the tab", async () => {
    signedIn({ "GET /api/auth/api-keys": () => [] });
    renderAccount();
    expect(await screen.findByRole("heading", { name: "Account", level: 2 })).toBeInTheDocument();
    expect(document.title).toBe("Account · FASTAPILLM");
  });

  it("revokes a key only after the user confirms", async () => {
    let keys = [laptop];
    const requests = signedIn({
      "GET /api/auth/api-keys": () => keys,
      "DELETE /api/auth/api-keys/7": () => {
        keys = [];
        return new Response(null, { status: 204 });
      },
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    const actor = userEvent.setup();
    renderAccount();
    const list = await screen.findByTestId("api-keys");
    const revoke = await within(list).findByRole("button", { name: "Revoke laptop" });

    await actor.click(revoke);
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm.mock.calls[0]?.[0]).toContain("laptop");
    expect(requests.filter((request) => request.method === "DELETE")).toHaveLength(0);
    expect(within(list).getByText("laptop")).toBeInTheDocument();

    await actor.click(revoke);
    expect(await within(list).findByText("No keys yet.")).toBeInTheDocument();
    expect(requests.filter((request) => request.method === "DELETE")).toHaveLength(1);
  });

  it("shows a new key once, with a Copy button that copies it", async () => {
    let keys: (typeof laptop)[] = [];
    signedIn({
      "GET /api/auth/api-keys": () => keys,
      "POST /api/auth/api-keys": () => {
        keys = [laptop];
        return { ...laptop, key: "fapi_abcd_secret_value_1234567890" };
      },
    });
    const actor = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue(undefined);
    renderAccount();
    await actor.type(await screen.findByLabelText("Key name"), "laptop");
    await actor.click(screen.getByRole("button", { name: "Create key" }));

    const shown = await screen.findByTestId("new-api-key");
    expect(within(shown).getByTestId("new-api-key-value")).toHaveTextContent("fapi_abcd_secret_value_1234567890");
    await actor.click(within(shown).getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith("fapi_abcd_secret_value_1234567890");
    expect(await within(shown).findByRole("button", { name: "Copied" })).toBeInTheDocument();
  });

  it("stops showing a new key's secret once that key is revoked", async () => {
    let keys: (typeof laptop)[] = [];
    signedIn({
      "GET /api/auth/api-keys": () => keys,
      "POST /api/auth/api-keys": () => {
        keys = [laptop];
        return { ...laptop, key: "fapi_abcd_secret_value_1234567890" };
      },
      "DELETE /api/auth/api-keys/7": () => {
        keys = [];
        return new Response(null, { status: 204 });
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const actor = userEvent.setup();
    renderAccount();
    await actor.type(await screen.findByLabelText("Key name"), "laptop");
    await actor.click(screen.getByRole("button", { name: "Create key" }));
    expect(await screen.findByTestId("new-api-key-value")).toHaveTextContent("fapi_abcd_secret_value_1234567890");

    const list = screen.getByTestId("api-keys");
    await actor.click(await within(list).findByRole("button", { name: "Revoke laptop" }));
    expect(await within(list).findByText("No keys yet.")).toBeInTheDocument();
    expect(screen.queryByTestId("new-api-key")).toBeNull();
    expect(screen.queryByText("fapi_abcd_secret_value_1234567890")).toBeNull();
  });

  it("keeps showing a new key's secret when another key is revoked", async () => {
    const phone = { ...laptop, id: 8, name: "phone", prefix: "fapi_efgh" };
    let keys: (typeof laptop)[] = [laptop];
    signedIn({
      "GET /api/auth/api-keys": () => keys,
      "POST /api/auth/api-keys": () => {
        keys = [laptop, phone];
        return { ...phone, key: "fapi_efgh_secret_value_1234567890" };
      },
      "DELETE /api/auth/api-keys/7": () => {
        keys = [phone];
        return new Response(null, { status: 204 });
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const actor = userEvent.setup();
    renderAccount();
    await actor.type(await screen.findByLabelText("Key name"), "phone");
    await actor.click(screen.getByRole("button", { name: "Create key" }));
    await screen.findByTestId("new-api-key");
    const list = screen.getByTestId("api-keys");
    await actor.click(await within(list).findByRole("button", { name: "Revoke laptop" }));
    await waitFor(() => expect(within(list).queryByText("laptop")).toBeNull());
    expect(screen.getByTestId("new-api-key-value")).toHaveTextContent("fapi_efgh_secret_value_1234567890");
  });

  it("says so when the clipboard refuses, leaving the key to copy by hand", async () => {
    signedIn({
      "GET /api/auth/api-keys": () => [],
      "POST /api/auth/api-keys": () => ({ ...laptop, key: "fapi_abcd_secret_value_1234567890" }),
    });
    const actor = userEvent.setup();
    vi.spyOn(navigator.clipboard, "writeText").mockRejectedValue(new DOMException("denied", "NotAllowedError"));
    renderAccount();
    await actor.type(await screen.findByLabelText("Key name"), "laptop");
    await actor.click(screen.getByRole("button", { name: "Create key" }));
    await actor.click(within(await screen.findByTestId("new-api-key")).getByRole("button", { name: "Copy" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("copy it by hand");
    expect(screen.getByRole("button", { name: "Copy" })).toBeInTheDocument();
  });
});
