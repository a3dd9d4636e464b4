import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getAccessToken, refreshAccessToken } from "../auth/token";
import { deleteDocument, executePromptStream, listDocuments, listExecutions } from "../client/sdk.gen";
import type { ExecuteRequest, ExecutionDone, ExecutionResponse, FrameworkName, UploadResponse } from "../client/types.gen";
import { ApiError } from "./client";
import { queryKeys } from "./queryKeys";
import { type Received, runSse, type SseMessage, type SseOutcome } from "./sse";

/**
 * Upload with progress. This one call is not made through the generated SDK: `fetch` cannot
 * report upload progress, so it uses XMLHttpRequest, typed with the generated types.
 */
export function uploadDocument(file: File, onProgress: (fraction: number) => void): Promise<UploadResponse> {
  const send = () =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", "/api/context/upload");
      const token = getAccessToken();
      if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      request.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          body = null;
        }
        resolve({ status: request.status, body });
      };
      request.onerror = () => reject(new ApiError(0, null));
      const form = new FormData();
      form.append("file", file);
      request.send(form);
    });
  return send().then(async (result) => {
    let outcome = result;
    if (outcome.status === 401 && (await refreshAccessToken())) outcome = await send();
    if (outcome.status !== 201) throw new ApiError(outcome.status, outcome.body);
    return outcome.body as UploadResponse;
  });
}

export function useDocuments() {
  return useQuery({ queryKey: queryKeys.documents, queryFn: async () => (await listDocuments({ query: { limit: 100 } })).data });
}

export function useExecutions() {
  return useQuery({ queryKey: queryKeys.executions, queryFn: async () => (await listExecutions({ query: { limit: 50 } })).data });
}

export function useDeleteDocument() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (fileId: string) => {
      await deleteDocument({ path: { file_id: fileId } });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.documents }),
  });
}

/** The execution a `done` event carries. */
export function doneExecution(data: Received<ExecutionDone>): ExecutionResponse | null {
  const execution = data.execution;
  return typeof execution === "object" && execution !== null ? (execution as ExecutionResponse) : null;
}

/** Run prompts over documents with one framework, streaming the answer. */
export function streamRun(
  framework: FrameworkName,
  request: Omit<ExecuteRequest, "framework">,
  onMessage: (message: SseMessage) => void,
  signal: AbortSignal,
): Promise<SseOutcome> {
  const body: ExecuteRequest = { ...request, framework };
  return runSse((options) => executePromptStream({ body, ...options }), onMessage, signal);
}
