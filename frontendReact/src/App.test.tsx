import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { configureClient } from "./api/client";
import { AuthProvider } from "./auth/AuthProvider";
import { setAccessToken } from "./auth/token";
import { GenerationsProvider } from "./generations/GenerationsProvider";
import { stubApi } from "./test-utils";

const user = {
  id: 1,
  email: "a.very.long.address.for.a.phone@example.com",
  is_admin: true,
  is_active: true,
  created_at: "2026-11-24T08:00:00Z",
};

function renderApp(path: string) {
  configureClient("http://localhost");
  stubApi({
    "POST /api/auth/refresh": () => ({ access_token: "token-1", token_type: "bearer", expires_at: "2026-11-24T09:00:00Z" }),
    "GET /api/auth/me": () => user,
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <AuthProvider>
          <GenerationsProvider>
            <App />
          </GenerationsProvider>
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => setAccessToken(null));
afterEach(() => vi.unstubAllGlobals());

describe("App shell", () => {
  it("names the product in the header and offers every page in a wrapping main navigation", async () => {
    renderApp("/nowhere");
    expect(screen.getByRole("heading", { level: 1, name: "FASTAPILLM" })).toBeInTheDocument();
    const nav = await screen.findByRole("navigation", { name: "Main" });
    expect(
      within(nav)
        .getAllByRole("link")
        .map((link) => link.textContent),
    ).toEqual([
      "Stories",
      "History",
      "Chat",
      "Documents",
      "Cost",
      "Account",
      "Logs", // an administrator's
    ]);
    expect(nav).toHaveClass("flex-wrap");
    expect(screen.getByRole("banner")).toHaveClass("flex-wrap");
    expect(screen.getByTestId("signed-in-as")).toHaveTextContent(user.email);
  });

  it("gives an unknown address a heading and a tab title", async () => {
    renderApp("/nowhere");
    expect(await screen.findByRole("heading", { level: 2, name: "Page not found" })).toBeInTheDocument();
    expect(document.title).toBe("Page not found · FASTAPILLM");
    expect(screen.getByRole("link", { name: "Back to Stories" })).toHaveAttribute("href", "/");
  });
});
