import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchChromium } from "./browser";

const FRAMEWORKS = ["semantic_kernel", "langchain", "langgraph"] as const;

describe("stories on the real backend and embedded model", () => {
  let browser: Browser;
  let page: Page;
  const baseUrl = inject("baseUrl");

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("generates with all three frameworks side by side and finds them in the history", async () => {
    await page.goto(baseUrl);
    await page.getByLabel("Primary character").fill("O'Brien");
    await page.getByLabel("Secondary character").fill("Tom & Jerry");
    await page.getByLabel("All three").check();
    await expect.poll(() => page.getByText("SmolLM2-135M-Instruct").count()).toBe(1);
    await page.getByRole("button", { name: "Generate" }).click();

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
    await expect.poll(() => page.getByText("O'Brien and Tom & Jerry").count()).toBe(3);

    await page.getByLabel("Filter by framework").selectOption("langgraph");
    await expect.poll(() => page.getByTestId("history-total").textContent()).toBe("1 story");
    await page.getByText("O'Brien and Tom & Jerry").click();
    await page.getByTestId("story-card-langgraph").getByTestId("story-text").waitFor();
    await page.screenshot({ path: "test-results/history.png", fullPage: true });
  });
});
