import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { refreshAccessToken } from "../auth/token";
import {
  chatStreamLangchain,
  chatStreamLanggraph,
  chatStreamSemanticKernel,
  deleteConversation,
  getConversation,
  listConversations,
  regenerateLastAnswer,
  renameConversation,
} from "../client/sdk.gen";
import type { ChatResponse, FrameworkName } from "../client/types.gen";
import { unwrap, unwrapEmpty } from "./client";

const STREAMERS = {
  semantic_kernel: chatStreamSemanticKernel,
  langchain: chatStreamLangchain,
  langgraph: chatStreamLanggraph,
} as const;

export type ChatStreamMessage =
  | { event: "token"; text: string }
  | { event: "done"; chat: ChatResponse }
  | { event: "error"; message: string };

interface Payload {
  text?: string;
  chat?: ChatResponse;
  error?: { message?: string };
}

async function streamOnce(
  framework: FrameworkName,
  body: { message: string; conversation_id?: number | null },
  onMessage: (message: ChatStreamMessage) => void,
  signal: AbortSignal,
): Promise<unknown> {
  let failure: unknown = null;
  const { stream } = await STREAMERS[framework]({
    body,
    signal,
    sseMaxRetryAttempts: 1, // a retried turn would be answered (and billed) twice
    onSseError: (error: unknown) => {
      failure = error;
    },
    onSseEvent: (event: { event?: string; data: unknown }) => {
      const data = (typeof event.data === "string" ? JSON.parse(event.data) : event.data) as Payload;
      if (event.event === "token" && data.text) onMessage({ event: "token", text: data.text });
      else if (event.event === "done" && data.chat) onMessage({ event: "done", chat: data.chat });
      else if (event.event === "error") onMessage({ event: "error", message: data.error?.message ?? "The reply failed." });
    },
  });
  for await (const _ of stream) {
    // handled in onSseEvent
  }
  return failure;
}

/** Send a message and stream the answer; a 401 refreshes the session once. */
export async function streamChat(
  framework: FrameworkName,
  body: { message: string; conversation_id?: number | null },
  onMessage: (message: ChatStreamMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  let failure = await streamOnce(framework, body, onMessage, signal);
  if (failure && String(failure).includes(" 401") && (await refreshAccessToken())) {
    failure = await streamOnce(framework, body, onMessage, signal);
  }
  if (failure && !signal.aborted) {
    const text = String(failure);
    onMessage({ event: "error", message: text.includes(" 429") ? "Too many requests: wait a moment and try again." : `The request failed (${text}).` });
  }
}

export function useConversations(query: string) {
  return useQuery({
    queryKey: ["conversations", query],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(() => listConversations({ query: { limit: 50, ...(query.trim() ? { q: query.trim() } : {}) } })),
  });
}

export function useConversation(id: number | null) {
  return useQuery({
    queryKey: ["conversation", id],
    enabled: id !== null,
    queryFn: () => unwrap(() => getConversation({ path: { conversation_id: id ?? 0 } })),
  });
}

function useInvalidateChat() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["conversations"] });
    void queryClient.invalidateQueries({ queryKey: ["conversation"] });
  };
}

export function useRegenerate() {
  const invalidate = useInvalidateChat();
  return useMutation({
    mutationFn: ({ id, framework }: { id: number; framework: FrameworkName }) =>
      unwrap(() => regenerateLastAnswer({ path: { conversation_id: id }, query: { framework } })),
    onSuccess: invalidate,
  });
}

export function useRename() {
  const invalidate = useInvalidateChat();
  return useMutation({
    mutationFn: ({ id, title }: { id: number; title: string }) =>
      unwrap(() => renameConversation({ path: { conversation_id: id }, body: { title } })),
    onSuccess: invalidate,
  });
}

export function useDeleteConversation() {
  const invalidate = useInvalidateChat();
  return useMutation({
    mutationFn: (id: number) => unwrapEmpty(() => deleteConversation({ path: { conversation_id: id } })),
    onSuccess: invalidate,
  });
}

export { useInvalidateChat };
