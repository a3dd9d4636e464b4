import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setAccessToken } from "../auth/token";
import type { StoryRequest } from "../client/types.gen";
import { stubApi } from "../test-utils";
import { configureClient } from "./client";
import type { SseMessage } from "./sse";
import { errorResponse, liveSse, sseFrame, sseResponse } from "./sseTesting";
import { doneStory, streamStories } from "./streams";

const body: StoryRequest = { primary_character: "Ada", secondary_character: "Grace", length: "short" };
const story = { id: 9, story: "Once.", method: "langchain" };

function collect() {
  const messages: SseMessage[] = [];
  return { messages, onMessage: (message: SseMessage) => messages.push(message) };
}

beforeEach(() => {
  configureClient("http://localhost");
  setAccessToken(null);
});
afterEach(() => vi.unstubAllGlobals());

describe("runSse", () => {
  it("ignores pings, comments, unknown events and unreadable data, and never fails on them", async () => {
    stubApi({
      "POST /api/langchain/stream": () =>
        sseResponse([
          sseFrame("start", { framework: "langchain", transaction_guid: "g" }),
          ": ping - 2026-11-24 09:00:00\n\n",
          sseFrame("token", { framework: "langchain", text: "Once" }),
          ": a comment\n\n: ping\n\n",
          sseFrame("mystery", { framework: "langchain", text: "nope" }),
          sseFrame("token", "{not json"),
          sseFrame("token", "42"),
          sseFrame("token", '["a"]'),
          sseFrame("token", { framework: "langchain" }),
          "event: tok",
          'en\ndata: {"framework": "langchain", "text": "."}\n\n',
          sseFrame("done", { framework: "langchain", story }),
        ]),
    });
    const { messages, onMessage } = collect();
    const outcome = await streamStories("langchain", body, onMessage, new AbortController().signal);
    expect(outcome).toEqual({ status: "completed" });
    expect(messages.map((message) => message.event)).toEqual(["start", "token", "token", "done"]);
    const tokens = messages.flatMap((message) => (message.event === "token" ? [message.text] : []));
    expect(tokens.join("")).toBe("Once.");
    const done = messages[3];
    expect(done?.event === "done" ? doneStory(done.data) : null).toMatchObject({ id: 9 });
  });

  it("passes on a stream error event with the platform's message and status", async () => {
    stubApi({
      "POST /api/compare": () =>
        sseResponse([
          sseFrame("error", {
            framework: "langgraph",
            status: 504,
            error: {
              type: "timeout",
              message: "The model did not answer in time.",
              code: "PROVIDER_TIMEOUT",
              details: [],
              request_id: "r",
              timestamp: "t",
            },
          }),
          sseFrame("end", { comparison_id: "c1" }),
        ]),
    });
    const { messages, onMessage } = collect();
    await streamStories("all", body, onMessage, new AbortController().signal);
    expect(messages[0]).toMatchObject({
      event: "error",
      framework: "langgraph",
      status: 504,
      message: "The model did not answer in time.",
    });
    expect(messages[1]).toMatchObject({ event: "end", data: { comparison_id: "c1" } });
  });

  it("refreshes the session once on a 401 before any event, then succeeds", async () => {
    setAccessToken("old-token");
    let calls = 0;
    const requests = stubApi({
      "POST /api/auth/refresh": () => ({ access_token: "new-token", token_type: "bearer", expires_at: "2026-11-24T10:00:00Z" }),
      "POST /api/langchain/stream": () => {
        calls += 1;
        return calls === 1
          ? errorResponse(401, "Sign in to continue.", "UNAUTHORIZED")
          : sseResponse([sseFrame("token", { framework: "langchain", text: "Hi" }), sseFrame("done", { framework: "langchain", story })]);
      },
    });
    const { messages, onMessage } = collect();
    const outcome = await streamStories("langchain", body, onMessage, new AbortController().signal);
    expect(outcome).toEqual({ status: "completed" });
    expect(messages.map((message) => message.event)).toEqual(["token", "done"]);
    const streams = requests.filter((request) => new URL(request.url).pathname === "/api/langchain/stream");
    expect(streams.map((request) => request.headers.get("Authorization"))).toEqual(["Bearer old-token", "Bearer new-token"]);
  });

  it("reports a 401 that a refresh cannot cure as a failure, without retrying the generation", async () => {
    const requests = stubApi({
      "POST /api/auth/refresh": () => errorResponse(401, "No session.", "UNAUTHORIZED"),
      "POST /api/langchain/stream": () => errorResponse(401, "Sign in to continue.", "UNAUTHORIZED"),
    });
    const outcome = await streamStories("langchain", body, () => undefined, new AbortController().signal);
    expect(outcome).toMatchObject({ status: "failed", httpStatus: 401, message: "Sign in to continue." });
    expect(requests.filter((request) => new URL(request.url).pathname === "/api/langchain/stream")).toHaveLength(1);
  });

  it("turns a 429 into the platform's message, and never retries it", async () => {
    const requests = stubApi({
      "POST /api/compare": () => errorResponse(429, "Rate limit exceeded: 5 per 1 minute.", "RATE_LIMITED"),
    });
    const outcome = await streamStories("all", body, () => undefined, new AbortController().signal);
    expect(outcome).toMatchObject({
      status: "failed",
      httpStatus: 429,
      message: "Rate limit exceeded: 5 per 1 minute.",
      error: { code: "RATE_LIMITED" },
    });
    expect(requests).toHaveLength(1);
  });

  it("gives a message for an HTTP failure without the error shape", async () => {
    stubApi({ "POST /api/compare": () => new Response("Too many", { status: 429 }) });
    const outcome = await streamStories("all", body, () => undefined, new AbortController().signal);
    expect(outcome).toMatchObject({ status: "failed", message: "Too many requests: wait a moment and try again." });
  });

  it("reports a stop by the user as stopped, not as an error", async () => {
    const live = liveSse();
    stubApi({ "POST /api/langchain/stream": () => live.response });
    const controller = new AbortController();
    const { messages, onMessage } = collect();
    const outcome = streamStories(
      "langchain",
      body,
      (message) => {
        onMessage(message);
        if (message.event === "token") controller.abort();
      },
      controller.signal,
    );
    live.send("token", { framework: "langchain", text: "Once" });
    await expect(outcome).resolves.toEqual({ status: "stopped" });
    await live.cancelled;
    expect(messages.map((message) => message.event)).toEqual(["token"]);
  });

  it("reports a connection lost mid-stream as a failure", async () => {
    stubApi({
      "POST /api/langchain/stream": () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(sseFrame("token", { framework: "langchain", text: "On" })));
              controller.error(new TypeError("network error"));
            },
          }),
          { status: 200, headers: { "content-type": "text/event-stream" } },
        ),
    });
    const outcome = await streamStories("langchain", body, () => undefined, new AbortController().signal);
    expect(outcome).toMatchObject({ status: "failed", message: "The connection to the server was lost." });
  });
});
