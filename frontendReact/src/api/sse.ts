// The one client for the platform's server-sent event streams (stories, compare, chat,
// document runs). It drives the generated SDK's SSE functions and turns whatever arrives into
// typed messages and one final outcome, without ever throwing on what the server sends.
import type { StreamEvent } from "../client/core/serverSentEvents.gen";
import type {
  ChatDone,
  ComparisonEnd,
  ComparisonVerdictEvent,
  ErrorBody,
  ExecutionDone,
  FrameworkName,
  StoryDone,
  StreamStart,
} from "../client/types.gen";
import { refreshOn401 } from "./client";

/** What the generated SDK's SSE functions accept from us. */
export interface SseCallOptions {
  signal: AbortSignal;
  fetch: typeof fetch;
  sseMaxRetryAttempts: number;
  onSseEvent: (event: StreamEvent<unknown>) => void;
  onSseError: (error: unknown) => void;
}

/** A generated SSE function with its body bound, e.g. `(o) => compareFrameworks({ body, ...o })`. */
export type SseCall = (options: SseCallOptions) => Promise<{ stream: AsyncIterable<unknown> }>;

export type Payload = Readonly<Record<string, unknown>>;

/**
 * An event's data as it arrives: the fields of its generated type (the OpenAPI document
 * describes every event, see `StoryStreamEvent` and its siblings), none of them checked yet.
 * A renamed field on the server fails the type check here, not silently in the browser.
 */
export type Received<T> = { readonly [K in keyof T]?: unknown };

export type SseMessage =
  | { event: "start"; framework: FrameworkName | null; data: Received<StreamStart> }
  | { event: "step"; framework: FrameworkName | null; step: string }
  | { event: "token"; framework: FrameworkName | null; text: string }
  | { event: "done"; framework: FrameworkName | null; data: Received<StoryDone & ChatDone & ExecutionDone> }
  | { event: "error"; framework: FrameworkName | null; status: number | null; message: string; error: ErrorBody | null }
  | { event: "verdict"; data: Received<ComparisonVerdictEvent> }
  | { event: "end"; data: Received<ComparisonEnd> };

export type SseOutcome =
  | { status: "completed" }
  | { status: "stopped" }
  | { status: "failed"; message: string; httpStatus: number | null; error: ErrorBody | null };

const FRAMEWORK_NAMES: readonly string[] = ["semantic_kernel", "langchain", "langgraph"];

export function isRecord(value: unknown): value is Payload {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asErrorBody(value: unknown): ErrorBody | null {
  if (!isRecord(value)) return null;
  const inner = isRecord(value.error) ? value.error : null;
  if (!inner || typeof inner.message !== "string") return null;
  return inner as ErrorBody;
}

function frameworkOf(data: Payload): FrameworkName | null {
  const value = data.framework;
  return typeof value === "string" && FRAMEWORK_NAMES.includes(value) ? (value as FrameworkName) : null;
}

/** Turn one raw event into a message, or null for pings, comments, unknown names, bad data. */
export function decodeEvent(event: StreamEvent<unknown>): SseMessage | null {
  const data = event.data;
  if (!isRecord(data)) return null; // comments/pings (no data), malformed JSON (a string), arrays
  const framework = frameworkOf(data);
  switch (event.event) {
    case "start":
      return { event: "start", framework, data };
    case "step":
      return typeof data.step === "string" ? { event: "step", framework, step: data.step } : null;
    case "token":
      return typeof data.text === "string" ? { event: "token", framework, text: data.text } : null;
    case "done":
      return { event: "done", framework, data };
    case "error": {
      const error = asErrorBody(data);
      const status = typeof data.status === "number" ? data.status : null;
      return { event: "error", framework, status, error, message: error?.message ?? "The generation failed." };
    }
    case "verdict":
      return { event: "verdict", data };
    case "end":
      return { event: "end", data };
    default:
      return null;
  }
}

/** A message for an HTTP failure, from the platform's error shape when the body has one. */
export function describeHttpFailure(status: number, error: ErrorBody | null): string {
  if (error?.message) return error.message;
  if (status === 429) return "Too many requests: wait a moment and try again.";
  if (status === 401) return "Your session has ended. Sign in again.";
  return `The request failed (HTTP ${status}).`;
}

interface Attempt {
  httpStatus: number | null;
  errorBody: ErrorBody | null;
  failure: unknown;
}

async function attemptOnce(call: SseCall, onMessage: (message: SseMessage) => void, signal: AbortSignal): Promise<Attempt> {
  const attempt: Attempt = { httpStatus: null, errorBody: null, failure: null };
  // The generated SSE functions run the client's request interceptors but not its response
  // interceptors, so the session refresh (./client) is applied here: a 401 comes before any event.
  const observingFetch: typeof fetch = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const response = await refreshOn401(await globalThis.fetch(request), request);
    attempt.httpStatus = response.status;
    if (!response.ok) {
      try {
        attempt.errorBody = asErrorBody(await response.clone().json());
      } catch {
        attempt.errorBody = null; // not JSON: the status code alone will have to do
      }
    }
    return response;
  };
  try {
    const { stream } = await call({
      signal,
      fetch: observingFetch,
      sseMaxRetryAttempts: 1, // never re-send a generation: it would run (and cost) twice
      onSseError: (error) => {
        attempt.failure = error;
      },
      onSseEvent: (event) => {
        const message = decodeEvent(event);
        if (!message) return;
        try {
          onMessage(message);
        } catch (error) {
          console.error("SSE message handler failed", error); // a UI bug must not end the stream
        }
      },
    });
    for await (const _ of stream) {
      // every event is handled in onSseEvent as it arrives
    }
  } catch (error) {
    attempt.failure = error;
  }
  return attempt;
}

/**
 * Run one stream to its end. A 401 refreshes the session once and sends the request again (as
 * every API call does); nothing else is retried. A stop by the user (the signal) is reported
 * as "stopped".
 */
export async function runSse(call: SseCall, onMessage: (message: SseMessage) => void, signal: AbortSignal): Promise<SseOutcome> {
  const attempt = await attemptOnce(call, onMessage, signal);
  if (signal.aborted) return { status: "stopped" };
  if (attempt.httpStatus !== null && (attempt.httpStatus < 200 || attempt.httpStatus >= 300)) {
    return {
      status: "failed",
      httpStatus: attempt.httpStatus,
      error: attempt.errorBody,
      message: describeHttpFailure(attempt.httpStatus, attempt.errorBody),
    };
  }
  if (attempt.failure !== null) {
    return { status: "failed", httpStatus: attempt.httpStatus, error: null, message: "The connection to the server was lost." };
  }
  return { status: "completed" };
}
