import { screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setAccessToken } from "./auth/token";
import { makeUser, renderApp, stubApi, tokens } from "./test-utils";

const user = makeUser({ email: "a.very.long.address.for.a.phone@example.com", is_admin: true });

function renderSignedIn(path: string) {
  stubApi({
    "POST /api/auth/refresh": () => tokens(),
    "GET /api/auth/me": () => user,
  });
  return renderApp(path);
}

beforeEach(() => setAccessToken(null));
afterEach(() => vi.unstubAllGlobals());

describe("App shell", () => {
  it("names the product in the header and offers every page in a wrapping main navigation", async () => {
    renderSignedIn("/nowhere");
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
      "Evaluations",
      "Cost",
      "Account",
      "Logs", // an administrator's
    ]);
    expect(nav).toHaveClass("flex-wrap");
    expect(screen.getByRole("banner")).toHaveClass("flex-wrap");
    expect(screen.getByTestId("signed-in-as")).toHaveTextContent(user.email);
  });

  it("gives an unknown address a heading and a tab title", async () => {
    renderSignedIn("/nowhere");
    expect(await screen.findByRole("heading", { level: 2, name: "Page not found" })).toBeInTheDocument();
    expect(document.title).toBe("Page not found · FASTAPILLM");
    expect(screen.getByRole("link", { name: "Back to Stories" })).toHaveAttribute("href", "/");
  });
});
