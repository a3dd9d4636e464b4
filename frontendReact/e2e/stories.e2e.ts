import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./browser";

const FRAMEWORKS = ["semantic_kernel", "langchain", "langgraph"] as const;
const PASSWORD = "correct horse battery staple 42";

async function signUp(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect.poll(() => page.getByTestId("signed-in-as").textContent()).toBe(email);
}

describe("accounts and stories on the real backend and embedded model", () => {
  let browser: Browser;
  let page: Page;
  const baseUrl = inject("baseUrl");
  const policyViolations: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) policyViolations.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("sends a visitor to sign-in", async () => {
    await page.goto(`${baseUrl}/history`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/signin");
  });

  it("signs up, streams all three frameworks side by side and finds them in the history", async () => {
    await signUp(page, baseUrl, "ada@example.com");
    await page.getByLabel("Primary character").fill("O'Brien");
    await page.getByLabel("Secondary character").fill("Tom & Jerry");
    await page.getByLabel("All three").check();
    await expect.poll(() => page.getByText("SmolLM2-135M-Instruct").count()).toBe(1);
    const compared = page.waitForResponse((response) => response.url().endsWith("/api/compare"));
    await page.getByRole("button", { name: "Generate" }).click();
    const stream = await compared;
    expect(stream.headers()["content-type"]).toContain("text/event-stream");

    for (const framework of FRAMEWORKS) {
      const card = page.getByTestId(`story-card-${framework}`);
      await card.getByTestId("story-text").waitFor({ timeout: 120_000 });
      const text = (await card.getByTestId("story-text").textContent()) ?? "";
      expect(text.trim().length).toBeGreaterThan(0);
      const tokens = (await card.getByTestId("figure-Tokens in / out").textContent()) ?? "";
      const [input, output] = tokens.split("/").map((part) => Number(part.trim()));
      expect(input).toBeGreaterThan(0);
      expect(output).toBeGreaterThan(0);
      expect(await card.getByTestId("figure-Cost").textContent()).toBe("$0");
      expect(await card.getByTestId("figure-Provider").textContent()).toBe("embedded");
    }
    await page.screenshot({ path: "test-results/stories.png", fullPage: true });

    await page.getByRole("link", { name: "History" }).click();
    await expect.poll(() => page.getByTestId("history-total").textContent()).toBe("3 stories");
    await page.getByLabel("Filter by framework").selectOption("langgraph");
    await expect.poll(() => page.getByTestId("history-total").textContent()).toBe("1 story");
    await page.getByText("O'Brien and Tom & Jerry").click();
    await page.getByTestId("story-card-langgraph").getByTestId("ledger-calls").waitFor();
    await page.screenshot({ path: "test-results/history.png", fullPage: true });
  });

  it("a reload keeps the session (refresh cookie), and signing out ends it", async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId("signed-in-as").textContent()).toBe("ada@example.com");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.goto(`${baseUrl}/history`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
  });

  it("a second user does not see the first user's stories", async () => {
    await signUp(page, baseUrl, "grace@example.com");
    await page.getByRole("link", { name: "History" }).click();
    await expect.poll(() => page.getByTestId("history-total").textContent()).toBe("0 stories");
    await page.getByLabel("Search by character").fill("O'Brien");
    await expect.poll(() => page.getByText("No stories yet.").count()).toBe(1);
    await page.getByRole("button", { name: "Sign out" }).click();

    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "History" }).click();
    await expect.poll(() => page.getByTestId("history-total").textContent()).toBe("3 stories");
  });

  it("creates an API key that is shown once", async () => {
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByLabel("Key name").fill("laptop");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = (await page.getByTestId("new-api-key").textContent()) ?? "";
    const key = /fapi_\S+/.exec(shown)?.[0] ?? "";
    expect(key.length).toBeGreaterThan(20);
    const response = await fetch(`${baseUrl}/api/stories`, { headers: { Authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { total: number }).total).toBe(3);
    await page.screenshot({ path: "test-results/account.png", fullPage: true });
  });

  it("a chat of two turns continues one conversation", async () => {
    await page.getByRole("link", { name: "Chat" }).click();
    await page.getByLabel("Framework").selectOption("langgraph");
    await page.getByLabel("Message").fill("My name is Ada. Say hello.");
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => page.getByTestId("conversation-title").count(), { timeout: 120_000 }).toBe(1);
    await page.getByLabel("Framework").selectOption("semantic_kernel");
    await page.getByLabel("Message").fill("What is my name?");
    await page.getByRole("button", { name: "Send" }).click();
    await expect
      .poll(() => page.getByTestId("messages").getByTestId("message-assistant").count(), { timeout: 120_000 })
      .toBe(2);
    const conversations = page.getByTestId("conversations").getByRole("button");
    await expect.poll(() => conversations.count()).toBe(1);
    await expect.poll(() => conversations.first().textContent()).toContain("4 messages");
    await page.screenshot({ path: "test-results/chat.png", fullPage: true });
  });

  it("uploads a document and runs a prompt over it", async () => {
    await page.getByRole("link", { name: "Documents" }).click();
    await page.getByLabel(/Upload a PDF/).setInputFiles({
      name: "lighthouses.md",
      mimeType: "text/markdown",
      buffer: Buffer.from("# Lighthouses\n\nLighthouses guide ships along dangerous coasts at night."),
    });
    await page.getByLabel("Use lighthouses.md").waitFor();
    expect(await page.getByLabel("Use lighthouses.md").isChecked()).toBe(true);
    await page.getByRole("button", { name: "Summarise" }).click();
    await page.getByRole("button", { name: "Run" }).click();
    const card = page.getByTestId("run-langchain");
    await card.getByTestId("run-figures").waitFor({ timeout: 120_000 });
    expect(((await card.getByTestId("run-text").textContent()) ?? "").trim().length).toBeGreaterThan(0);
    expect(await card.getByTestId("run-figures").textContent()).toContain("single call");
    await expect.poll(() => page.getByTestId("executions").getByText("completed").count()).toBe(1);
    await page.screenshot({ path: "test-results/documents.png", fullPage: true });
  });

  it("ran without Content-Security-Policy violations", () => {
    expect(policyViolations).toEqual([]);
  });
});
