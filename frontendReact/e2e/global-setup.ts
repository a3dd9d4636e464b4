import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const repoRoot = resolve(import.meta.dirname, "..", "..");

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitForHealth(url: string, backend: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (backend.exitCode !== null) throw new Error(`backend exited with ${backend.exitCode}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error("backend did not become healthy");
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "fastapillm-e2e-"));
  const python = process.env.FASTAPILLM_PYTHON ?? join(repoRoot, ".venv", "bin", "python");
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1" };
  for (const key of Object.keys(env)) if (key.startsWith("PROVIDER_")) delete env[key];
  // Real output lengths (STORY_MAX_TOKENS and CHAT_MAX_TOKENS keep their defaults): streams last
  // several seconds on the embedded model. The heartbeat is shortened instead, to one second, so
  // every stream in the suite outlasts it and the UI is shown to survive comment lines mid-stream.
  for (const key of ["STORY_MAX_TOKENS", "CHAT_MAX_TOKENS", "SSE_PING_SECONDS"]) delete env[key];
  // Price the embedded model (free by default), so the cost page has real, non-zero spend to show.
  const prices = join(dataDir, "prices.json");
  writeFileSync(prices, JSON.stringify({ "SmolLM2-135M-Instruct": { input_per_mtok: 1.5, output_per_mtok: 3 } }));
  for (const key of ["PRICE_OVERRIDES_FILE", "REGISTRATION", "GLOBAL_DAILY_BUDGET_USD", "DEFAULT_MONTHLY_BUDGET_USD"]) delete env[key];
  Object.assign(env, {
    PRICE_OVERRIDES_FILE: prices,
    DATABASE_URL: `sqlite:///${join(dataDir, "e2e.db")}`,
    SSE_PING_SECONDS: "1",
    // The event loop's delay and the wait before the provider also measure the machine: a
    // loaded CI machine passed their bounds and the platform refused stories. The browser
    // suite is not about back-pressure.
    MAX_LOOP_LAG_MS: "0",
    MAX_WAIT_BEFORE_PROVIDER_MS: "0",
    LOG_LEVEL: "INFO", // the log viewer test reads the access log's lines (stdout itself is ignored)
  });
  const backend = spawn(python, ["-m", "backend"], { cwd: repoRoot, env, stdio: ["ignore", "ignore", "inherit"] });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHealth(baseUrl, backend, 120_000);
  project.provide("baseUrl", baseUrl);
  return async () => {
    backend.kill("SIGTERM");
    await new Promise((done) => backend.once("exit", done));
    rmSync(dataDir, { recursive: true, force: true });
  };
}
