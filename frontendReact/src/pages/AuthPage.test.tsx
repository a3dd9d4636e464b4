import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { configureClient } from "../api/client";
import { AuthProvider } from "../auth/AuthProvider";
import { setAccessToken } from "../auth/token";
import { GenerationsProvider } from "../generations/GenerationsProvider";
import { stubApi } from "../test-utils";

const me = {
  id: 2,
  email: "new@example.com",
  is_admin: false,
  is_active: true,
  created_at: "2026-11-24T08:00:00Z",
  monthly_budget_usd: null,
};
const unauthorized = () =>
  new Response(JSON.stringify({ error: { message: "Sign in to continue.", code: "UNAUTHORIZED" } }), {
    status: 401,
    headers: { "content-type": "application/json" },
  });

function renderSignUp() {
  configureClient("http://localhost");
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={["/signup"]}>
        <AuthProvider>
          <GenerationsProvider>
            <App />
          </GenerationsProvider>
        </AuthProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function stubRegistration(registration: "open" | "invite" | "closed") {
  return stubApi({
    "POST /api/auth/refresh": unauthorized,
    "GET /api/auth/options": () => ({ registration }),
    "POST /api/auth/register": () => ({ access_token: "token-2", token_type: "bearer", expires_at: "2026-11-24T09:00:00Z" }),
    "GET /api/auth/me": () => me,
    "GET /api/provider": () => ({ provider: "embedded", model: "m", base_url: null, configured: false, embedded: true, frameworks: [] }),
  });
}

async function fillAndSubmit(actor: ReturnType<typeof userEvent.setup>) {
  await actor.type(screen.getByLabelText("Email"), "new@example.com");
  await actor.type(screen.getByLabelText("Password"), "correct horse battery staple 42");
}

beforeEach(() => setAccessToken(null));
afterEach(() => vi.unstubAllGlobals());

describe("sign-up and the registration setting", () => {
  it("asks for an invite code when sign-up is invite-only, and sends it", async () => {
    const requests = stubRegistration("invite");
    const actor = userEvent.setup();
    renderSignUp();
    const code = await screen.findByLabelText(/Invite code/);
    expect(code).toBeRequired();
    await fillAndSubmit(actor);
    await actor.type(code, "  inv_abc123  ");
    await actor.click(screen.getByRole("button", { name: "Sign up" }));
    expect(await screen.findByTestId("signed-in-as")).toHaveTextContent("new@example.com");
    const register = requests.find((request) => new URL(request.url).pathname === "/api/auth/register");
    expect(await register?.json()).toEqual({
      email: "new@example.com",
      password: "correct horse battery staple 42",
      invite_code: "inv_abc123",
    });
  });

  it("shows no invite field when sign-up is open, and sends no code", async () => {
    const requests = stubRegistration("open");
    const actor = userEvent.setup();
    renderSignUp();
    await screen.findByRole("heading", { name: "Create an account" });
    await vi.waitFor(() => expect(requests.some((request) => request.url.endsWith("/api/auth/options"))).toBe(true));
    expect(screen.queryByLabelText(/Invite code/)).not.toBeInTheDocument();
    await fillAndSubmit(actor);
    await actor.click(screen.getByRole("button", { name: "Sign up" }));
    await screen.findByTestId("signed-in-as");
    const register = requests.find((request) => new URL(request.url).pathname === "/api/auth/register");
    expect(await register?.json()).toEqual({ email: "new@example.com", password: "correct horse battery staple 42" });
  });

  it("says so when sign-up is closed", async () => {
    stubRegistration("closed");
    renderSignUp();
    expect(await screen.findByText(/Sign-up is closed here/)).toBeInTheDocument();
    expect(screen.queryByLabelText(/Invite code/)).not.toBeInTheDocument();
  });
});
