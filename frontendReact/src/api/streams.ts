// Story streams: one framework's story, or all three side by side (POST /api/compare).
import { compareFrameworks, streamStoryLangchain, streamStoryLanggraph, streamStorySemanticKernel } from "../client/sdk.gen";
import type { CompareRequest, FrameworkName, StoryDone, StoryResponse } from "../client/types.gen";
import { type Received, runSse, type SseCall, type SseMessage, type SseOutcome } from "./sse";

const STREAMERS = {
  semantic_kernel: streamStorySemanticKernel,
  langchain: streamStoryLangchain,
  langgraph: streamStoryLanggraph,
} as const;

export function storyCall(choice: FrameworkName | "all", body: CompareRequest): SseCall {
  if (choice === "all") return (options) => compareFrameworks({ body, ...options });
  const streamer = STREAMERS[choice];
  return (options) => streamer({ body, ...options });
}

/** The stored story a `done` event carries. */
export function doneStory(data: Received<StoryDone>): StoryResponse | null {
  const story = data.story;
  return typeof story === "object" && story !== null ? (story as StoryResponse) : null;
}

export function streamStories(
  choice: FrameworkName | "all",
  body: CompareRequest,
  onMessage: (message: SseMessage) => void,
  signal: AbortSignal,
): Promise<SseOutcome> {
  return runSse(storyCall(choice, body), onMessage, signal);
}
