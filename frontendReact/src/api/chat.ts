import { keepPreviousData, type QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  chatStreamLangchain,
  chatStreamLanggraph,
  chatStreamSemanticKernel,
  deleteConversation,
  getConversation,
  listConversations,
  regenerateLastAnswerStream,
  renameConversation,
} from "../client/sdk.gen";
import type { ChatDone, ChatResponse, FrameworkName } from "../client/types.gen";
import { queryKeys } from "./queryKeys";
import { type Received, runSse, type SseMessage, type SseOutcome } from "./sse";

const STREAMERS = {
  semantic_kernel: chatStreamSemanticKernel,
  langchain: chatStreamLangchain,
  langgraph: chatStreamLanggraph,
} as const;

export interface ChatTurn {
  message: string;
  conversation_id?: number | null;
}

/** The answer a `done` event carries. */
export function doneChat(data: Received<ChatDone>): ChatResponse | null {
  const chat = data.chat;
  return typeof chat === "object" && chat !== null ? (chat as ChatResponse) : null;
}

/** Send a message and stream the answer (see ./sse for refresh, errors and stopping). */
export function streamChat(
  framework: FrameworkName,
  body: ChatTurn,
  onMessage: (message: SseMessage) => void,
  signal: AbortSignal,
): Promise<SseOutcome> {
  const streamer = STREAMERS[framework];
  return runSse((options) => streamer({ body, ...options }), onMessage, signal);
}

/** Write a new version of the conversation's last answer, streamed; the old one is kept. */
export function streamRegenerate(
  conversationId: number,
  framework: FrameworkName,
  onMessage: (message: SseMessage) => void,
  signal: AbortSignal,
): Promise<SseOutcome> {
  return runSse(
    (options) => regenerateLastAnswerStream({ path: { conversation_id: conversationId }, query: { framework }, ...options }),
    onMessage,
    signal,
  );
}

export function useConversations(query: string) {
  return useQuery({
    queryKey: queryKeys.chat.list(query),
    placeholderData: keepPreviousData,
    queryFn: async () => (await listConversations({ query: { limit: 50, ...(query.trim() ? { q: query.trim() } : {}) } })).data,
  });
}

export function useConversation(id: number | null) {
  return useQuery({
    queryKey: queryKeys.chat.conversation(id),
    enabled: id !== null,
    queryFn: async () => (await getConversation({ path: { conversation_id: id ?? 0 } })).data,
  });
}

function useInvalidateChat() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.chat.all });
  };
}

export function useRename() {
  const invalidate = useInvalidateChat();
  return useMutation({
    mutationFn: async ({ id, title }: { id: number; title: string }) =>
      (await renameConversation({ path: { conversation_id: id }, body: { title } })).data,
    onSuccess: invalidate,
  });
}

/**
 * Delete a conversation and refresh the list. Its own cached copy is not refetched (that would
 * only 404): the page showing it leaves it, then drops it with `forgetConversation`.
 */
export function useDeleteConversation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => {
      await deleteConversation({ path: { conversation_id: id } });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.chat.lists }),
  });
}

/** Drop a deleted conversation's cached copy (once nothing shows it, so nothing refetches it). */
export function forgetConversation(queryClient: QueryClient, id: number): void {
  queryClient.removeQueries({ queryKey: queryKeys.chat.conversation(id), exact: true });
}

export { useInvalidateChat };
