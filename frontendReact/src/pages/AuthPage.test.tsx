import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setAccessToken } from "../auth/token";
import { makeProvider, makeUser, renderApp, stubApi, tokens, unauthorized } from "../test-utils";

const me = makeUser({ id: 2, email: "new@example.com" });

const renderSignUp = () => renderApp("/signup");

function stubRegistration(registration: "open" | "invite" | "closed") {
  return stubApi({
    "POST /api/auth/refresh": unauthorized,
    "GET /api/auth/options": () => ({ registration }),
    "POST /api/auth/register": () => tokens("token-2"),
    "GET /api/auth/me": () => me,
    "GET /api/provider": () => makeProvider(),
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
