// Story streams over server-sent events, through the generated client's SSE support.
import { refreshAccessToken } from "../auth/token";
import {
  compareFrameworks,
  streamStoryLangchain,
  streamStoryLanggraph,
  streamStorySemanticKernel,
} from "../client/sdk.gen";
import type { FrameworkName, StoryRequest, StoryResponse } from "../client/types.gen";

export type StreamMessage =
  | { event: "token"; framework: FrameworkName; text: string }
  | { event: "step"; framework: FrameworkName; step: string }
  | { event: "done"; framework: FrameworkName; story: StoryResponse }
  | { event: "error"; framework: FrameworkName | null; message: string };

const STREAMERS = {
  semantic_kernel: streamStorySemanticKernel,
  langchain: streamStoryLangchain,
  langgraph: streamStoryLanggraph,
} as const;

interface Payload {
  framework?: FrameworkName;
  text?: string;
  step?: string;
  story?: StoryResponse;
  error?: { message?: string };
}

function describeFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (text.includes(" 429")) return "Too many requests: wait a moment and try again.";
  if (text.includes(" 401")) return "Your session has ended. Sign in again.";
  return `The request failed (${text}).`;
}

async function runOnce(
  choice: FrameworkName | "all",
  body: StoryRequest,
  onMessage: (message: StreamMessage) => void,
  signal: AbortSignal,
): Promise<unknown> {
  let failure: unknown = null;
  const options = {
    body,
    signal,
    sseMaxRetryAttempts: 1, // never re-send a generation: it would run (and cost) twice
    onSseError: (error: unknown) => {
      failure = error;
    },
    onSseEvent: (event: { event?: string; data: unknown }) => {
      const data = (typeof event.data === "string" ? JSON.parse(event.data) : event.data) as Payload;
      const framework = data.framework ?? null;
      if (event.event === "token" && framework && data.text) onMessage({ event: "token", framework, text: data.text });
      else if (event.event === "step" && framework && data.step) onMessage({ event: "step", framework, step: data.step });
      else if (event.event === "done" && framework && data.story) onMessage({ event: "done", framework, story: data.story });
      else if (event.event === "error") onMessage({ event: "error", framework, message: data.error?.message ?? "Generation failed." });
    },
  };
  const { stream } = choice === "all" ? await compareFrameworks(options) : await STREAMERS[choice](options);
  for await (const _ of stream) {
    // events are handled in onSseEvent as they arrive
  }
  return failure;
}

/** Stream one framework's story, or all three side by side. A 401 refreshes the session once. */
export async function streamStories(
  choice: FrameworkName | "all",
  body: StoryRequest,
  onMessage: (message: StreamMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  let failure = await runOnce(choice, body, onMessage, signal);
  if (failure && describeFailure(failure).includes("session") && (await refreshAccessToken())) {
    failure = await runOnce(choice, body, onMessage, signal);
  }
  if (failure && !signal.aborted) onMessage({ event: "error", framework: null, message: describeFailure(failure) });
}
