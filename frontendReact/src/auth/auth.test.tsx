import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { makeUser, renderApp, stubApi, tokens, unauthorized } from "../test-utils";
import { getAccessToken, setAccessToken } from "./token";

const user = makeUser({ is_admin: true });

beforeEach(() => setAccessToken(null));
afterEach(() => vi.unstubAllGlobals());

describe("authentication", () => {
  it("sends a visitor without a session to sign-in, then back after signing in", async () => {
    const requests = stubApi({
      "POST /api/auth/refresh": unauthorized,
      "POST /api/auth/login": () => tokens("token-1"),
      "GET /api/auth/me": () => user,
      "GET /api/stories": () => ({ stories: [], total: 0, skip: 0, limit: 10 }),
    });
    const actor = userEvent.setup();
    renderApp("/history");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    await actor.type(screen.getByLabelText("Email"), "ada@example.com");
    await actor.type(screen.getByLabelText("Password"), "correct horse battery staple");
    await actor.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByTestId("history-total")).toHaveTextContent("0 stories");
    expect(screen.getByTestId("signed-in-as")).toHaveTextContent("ada@example.com");
    const me = requests.find((request) => new URL(request.url).pathname === "/api/auth/me");
    expect(me?.headers.get("Authorization")).toBe("Bearer token-1");
  });

  it("shows why a sign-up was refused", async () => {
    stubApi({
      "POST /api/auth/refresh": unauthorized,
      "POST /api/auth/register": () =>
        new Response(
          JSON.stringify({
            error: {
              message: "The password is too weak.",
              code: "VALIDATION_ERROR",
              details: [{ field: "password", message: "This is a very common password.", type: "weak_password" }],
            },
          }),
          { status: 422, headers: { "content-type": "application/json" } },
        ),
    });
    const actor = userEvent.setup();
    renderApp("/signup");
    await actor.type(await screen.findByLabelText("Email"), "ada@example.com");
    await actor.type(screen.getByLabelText("Password"), "password1234");
    await actor.click(screen.getByRole("button", { name: "Sign up" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The password is too weak. This is a very common password.");
  });

  it("signs out when a request meets a 401 and the session cannot be refreshed", async () => {
    let refreshes = 0;
    stubApi({
      "POST /api/auth/refresh": () => {
        refreshes += 1;
        return refreshes === 1 ? tokens("token-1") : unauthorized();
      },
      "GET /api/auth/me": () => user,
      "GET /api/stories": unauthorized,
    });
    renderApp("/history");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(refreshes).toBe(2);
    expect(getAccessToken()).toBeNull();
  });
});
