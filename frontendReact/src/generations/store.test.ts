import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureClient } from "../api/client";
import { liveSse, sseFrame, sseResponse } from "../api/sseTesting";
import { makeStory, stubApi } from "../test-utils";
import type { Generation } from "./runs";
import { GenerationsStore } from "./store";

const request = { primary_character: "Ada", secondary_character: "Grace", length: "short" as const };

async function until(check: () => boolean): Promise<void> {
  await vi.waitFor(() => {
    if (!check()) throw new Error("not yet");
  });
}

beforeEach(() => configureClient("http://localhost"));
afterEach(() => vi.unstubAllGlobals());

describe("GenerationsStore", () => {
  it("settles each framework on its own and reports the run's end once", async () => {
    stubApi({
      "POST /api/compare": () =>
        sseResponse([
          sseFrame("done", { framework: "langchain", story: makeStory() }),
          sseFrame("error", { framework: "langgraph", status: 502, error: { message: "Provider down." } }),
          sseFrame("end", { comparison_id: "c" }),
        ]),
    });
    const ended: Generation[] = [];
    const store = new GenerationsStore((run) => ended.push(run));
    store.startStory("all", request);
    await until(() => ended.length === 1);
    const run = store.getSnapshot().runs[0];
    expect(run?.running).toBe(false);
    expect(run?.lanes.map((lane) => [lane.framework, lane.phase, lane.error])).toEqual([
      ["semantic_kernel", "failed", "The stream ended early."],
      ["langchain", "done", null],
      ["langgraph", "failed", "Provider down."],
    ]);
  });

  it("leaves a notice when a run ends while the user is elsewhere, and clears it on arrival", async () => {
    stubApi({ "POST /api/langchain/stream": () => sseResponse([sseFrame("done", { framework: "langchain", story: makeStory() })]) });
    const store = new GenerationsStore();
    store.setLocation("/history");
    store.startStory("langchain", request);
    await until(() => store.getSnapshot().notices.length === 1);
    expect(store.getSnapshot().notices[0]).toMatchObject({ path: "/", text: "Story: Ada & Grace (LangChain): finished." });
    store.setLocation("/");
    expect(store.getSnapshot().notices).toHaveLength(0);
  });

  it("stops every run and forgets them on reset (sign-out)", async () => {
    const live = liveSse();
    stubApi({ "POST /api/langchain/stream": () => live.response });
    const store = new GenerationsStore();
    store.startStory("langchain", request);
    live.send("token", { framework: "langchain", text: "Once" });
    await until(() => store.getSnapshot().runs[0]?.lanes[0]?.text === "Once");
    store.reset();
    await live.cancelled;
    expect(store.getSnapshot().runs).toHaveLength(0);
  });
});
