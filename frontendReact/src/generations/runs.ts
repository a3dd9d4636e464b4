// A generation's shape and the pure rules that move it along: what each server-sent event or
// final outcome does to a framework's lane, and how a run is named and where it lands.
import { isRecord, type SseMessage, type SseOutcome } from "../api/sse";
import type {
  ChatResponse,
  ExecuteRequest,
  ExecutionResponse,
  FrameworkName,
  StoryRequest,
  StoryResponse,
  VerdictResponse,
} from "../client/types.gen";
import { FRAMEWORK_LABELS } from "../lib/frameworks";

/** queued: sent, nothing heard yet (the model may be busy with another request). */
export type LanePhase = "queued" | "writing" | "done" | "failed" | "stopped";

/** One framework's progress within a run. */
export interface Lane<T> {
  framework: FrameworkName;
  phase: LanePhase;
  text: string;
  step: string | null;
  result: T | null;
  error: string | null;
}

export interface RunBase {
  id: string;
  startedAt: number;
  running: boolean;
}

/** A comparison's judging: off, awaited after the stories, or its outcome. */
export type JudgeState =
  | { status: "off" }
  | { status: "waiting" }
  | { status: "judged"; verdict: VerdictResponse }
  | { status: "failed"; message: string };

export interface StoryRun extends RunBase {
  kind: "story";
  choice: FrameworkName | "all";
  request: StoryRequest;
  lanes: Lane<StoryResponse>[];
  judge: JudgeState;
}

export interface ChatRun extends RunBase {
  kind: "chat";
  /** send: a new turn; regenerate: a new version of the conversation's last answer. */
  mode: "send" | "regenerate";
  framework: FrameworkName;
  /** The question asked (for regenerate, the one answered again). */
  question: string;
  /** The conversation the turn was sent to (null: a new one). */
  origin: number | null;
  /** Known from the start for an existing conversation, from `done` for a new one. */
  conversationId: number | null;
  /** The chat page has moved from "new chat" to the conversation this run created. */
  adopted: boolean;
  lanes: [Lane<ChatResponse>];
}

export interface DocumentRun extends RunBase {
  kind: "document";
  request: Omit<ExecuteRequest, "framework">;
  lanes: Lane<ExecutionResponse>[];
}

export type Generation = StoryRun | ChatRun | DocumentRun;

export interface Notice {
  runId: string;
  text: string;
  path: string;
}

export interface GenerationsState {
  runs: readonly Generation[];
  notices: readonly Notice[];
}

export const KEEP_FINISHED = 20;
const ENDED_EARLY = "The stream ended early.";

export function pathOf(run: Generation): string {
  if (run.kind === "story") return "/";
  if (run.kind === "document") return "/documents";
  return run.conversationId === null ? "/chat" : `/chat?conversation=${run.conversationId}`;
}

export function describeRun(run: Generation): string {
  if (run.kind === "story") {
    const who = `${run.request.primary_character} & ${run.request.secondary_character}`;
    return `Story: ${who} (${run.choice === "all" ? "all three" : FRAMEWORK_LABELS[run.choice]})`;
  }
  if (run.kind === "chat") {
    const question = run.question.length > 40 ? `${run.question.slice(0, 40)}…` : run.question;
    return run.mode === "regenerate" ? `Chat (new answer): ${question}` : `Chat: ${question}`;
  }
  return `Document run (${run.lanes.map((lane) => FRAMEWORK_LABELS[lane.framework]).join(", ")})`;
}

export function emptyLane<T>(framework: FrameworkName): Lane<T> {
  return { framework, phase: "queued", text: "", step: null, result: null, error: null };
}

const finished = (phase: LanePhase) => phase === "done" || phase === "failed" || phase === "stopped";

/** Apply one stream message to the lanes it names (all unfinished lanes when it names none). */
export function applyMessage<T>(lanes: Lane<T>[], message: SseMessage, result: (message: SseMessage) => T | null): Lane<T>[] {
  if (message.event === "start" || message.event === "end" || message.event === "verdict") return lanes;
  const framework = message.framework;
  return lanes.map((lane) => {
    if (framework !== null ? lane.framework !== framework : finished(lane.phase)) return lane;
    if (finished(lane.phase)) return lane;
    switch (message.event) {
      case "token":
        return { ...lane, phase: "writing", text: lane.text + message.text };
      case "step":
        return { ...lane, phase: "writing", step: message.step };
      case "done": {
        const value = result(message);
        return value === null
          ? { ...lane, phase: "failed", error: "The answer could not be read." }
          : { ...lane, phase: "done", result: value };
      }
      case "error":
        return { ...lane, phase: "failed", error: message.message };
      default:
        return message satisfies never; // every event is handled above: a new one fails to compile here
    }
  });
}

/** Settle every unfinished lane once the stream is over. */
export function settle<T>(lanes: Lane<T>[], outcome: SseOutcome): Lane<T>[] {
  return lanes.map((lane) => {
    if (finished(lane.phase)) return lane;
    if (outcome.status === "stopped") return { ...lane, phase: "stopped" };
    return { ...lane, phase: "failed", error: outcome.status === "failed" ? outcome.message : ENDED_EARLY };
  });
}

/** What a comparison's `verdict` event (or its stream ending without one) does to its judging. */
export function applyVerdict(judge: JudgeState, message: SseMessage): JudgeState {
  if (judge.status !== "waiting" || message.event !== "verdict") return judge;
  const { verdict, error } = message.data;
  if (isRecord(verdict) && (verdict.status === "ok" || verdict.status === "failed")) {
    const judged = verdict as unknown as VerdictResponse;
    return judged.status === "ok"
      ? { status: "judged", verdict: judged }
      : { status: "failed", message: judged.error ?? "The judge's answer could not be read." };
  }
  const reason = isRecord(error) && typeof error.message === "string" ? error.message : "The judge could not score the stories.";
  return { status: "failed", message: reason };
}

/** Judging still awaited when the stream is over will not come. */
export function settleJudge(judge: JudgeState, outcome: SseOutcome): JudgeState {
  if (judge.status !== "waiting") return judge;
  return outcome.status === "stopped" ? { status: "off" } : { status: "failed", message: "The stream ended before the verdict." };
}
