// A browser session through the project's nginx (tests/deploy/test_topology.py starts nginx in
// front of two backends and runs this with the proxy's URL): sign up, stream a LangChain story,
// and report when the first words showed on the page and when the run ended. Printed as one
// JSON line; the Python test judges it. Debian's Chromium, driven by playwright-core.
import { chromium } from "playwright-core";

const base = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
const failures = [];
try {
  const page = await browser.newPage();
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) failures.push(message.text());
  });
  await page.goto(`${base}/signup`);
  await page.getByLabel("Email").fill("browser@example.com");
  await page.getByLabel("Password").fill("correct horse battery staple 42");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("signed-in-as").waitFor({ timeout: 30_000 });

  await page.getByLabel("Primary character").fill("Ada");
  await page.getByLabel("Secondary character").fill("Grace");
  await page.getByLabel("LangChain", { exact: true }).check();
  const started = Date.now();
  await page.getByRole("button", { name: "Generate" }).click();
  const card = page.getByTestId("story-card-langchain");
  await card.getByTestId("streaming-text").waitFor({ timeout: 60_000 });
  const firstWords = Date.now() - started;
  const partial = ((await card.getByTestId("streaming-text").textContent()) ?? "").trim();
  await page.locator('[data-testid="story-card-langchain"][aria-busy="false"]').waitFor({ timeout: 120_000 });
  const ended = Date.now() - started;
  const story = ((await card.getByTestId("story-text").textContent()) ?? "").trim();
  const alerts = await card.getByRole("alert").allTextContents();
  console.log(JSON.stringify({ firstWords, ended, partial, story, alerts, failures }));
} finally {
  await browser.close();
}
