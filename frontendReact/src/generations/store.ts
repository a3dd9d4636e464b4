// Generations outlive the page that started them: this store owns every run's AbortController
// and its per-framework progress, so leaving a page neither stops a run nor loses its result.
import { doneChat, streamChat, streamRegenerate } from "../api/chat";
import { doneExecution, streamRun } from "../api/documents";
import type { SseMessage, SseOutcome } from "../api/sse";
import { doneStory, streamStories } from "../api/streams";
import type { ChatResponse, ExecuteRequest, ExecutionResponse, FrameworkName, StoryRequest, StoryResponse } from "../client/types.gen";
import { FRAMEWORKS } from "../lib/frameworks";
import {
  applyMessage,
  applyVerdict,
  type ChatRun,
  type DocumentRun,
  describeRun,
  emptyLane,
  type Generation,
  type GenerationsState,
  KEEP_FINISHED,
  type Lane,
  pathOf,
  type RunBase,
  type StoryRun,
  settle,
  settleJudge,
} from "./runs";
export type RunEndListener = (run: Generation) => void;

export class GenerationsStore {
  private state: GenerationsState = { runs: [], notices: [] };
  private readonly listeners = new Set<() => void>();
  private readonly controllers = new Map<string, AbortController>();
  private currentPath = "/";
  private counter = 0;

  constructor(private readonly onRunEnd: RunEndListener = () => undefined) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): GenerationsState => this.state;

  /** Where the user is now (pathname + search): a run ending elsewhere leaves a notice. */
  setLocation(path: string): void {
    this.currentPath = path;
    const remaining = this.state.notices.filter((notice) => !this.isHere(notice.path));
    if (remaining.length !== this.state.notices.length) this.commit({ ...this.state, notices: remaining });
  }

  /** One framework's story, or all three side by side (then judged, unless `judge` is false). */
  startStory(choice: FrameworkName | "all", request: StoryRequest, judge = true): string {
    const frameworks = choice === "all" ? [...FRAMEWORKS] : [choice];
    const judged = choice === "all" && judge;
    const run: StoryRun = {
      ...this.base(),
      kind: "story",
      choice,
      request,
      lanes: frameworks.map((framework) => emptyLane<StoryResponse>(framework)),
      judge: judged ? { status: "waiting" } : { status: "off" },
    };
    this.launch(
      run,
      (signal, onMessage) => streamStories(choice, { ...request, ...(choice === "all" ? { judge: judged } : {}) }, onMessage, signal),
      (message) => (message.event === "done" ? doneStory(message.data) : null),
    );
    return run.id;
  }

  startChat(framework: FrameworkName, question: string, conversationId: number | null): string {
    const run: ChatRun = {
      ...this.base(),
      kind: "chat",
      mode: "send",
      framework,
      question,
      origin: conversationId,
      conversationId,
      adopted: conversationId !== null,
      lanes: [emptyLane<ChatResponse>(framework)],
    };
    this.launch(
      run,
      (signal, onMessage) => streamChat(framework, { message: question, conversation_id: conversationId }, onMessage, signal),
      (message) => (message.event === "done" ? doneChat(message.data) : null),
    );
    return run.id;
  }

  startRegenerate(framework: FrameworkName, conversationId: number, question: string): string {
    const run: ChatRun = {
      ...this.base(),
      kind: "chat",
      mode: "regenerate",
      framework,
      question,
      origin: conversationId,
      conversationId,
      adopted: true,
      lanes: [emptyLane<ChatResponse>(framework)],
    };
    this.launch(
      run,
      (signal, onMessage) => streamRegenerate(conversationId, framework, onMessage, signal),
      (message) => (message.event === "done" ? doneChat(message.data) : null),
    );
    return run.id;
  }

  startDocument(choice: FrameworkName | "all", request: Omit<ExecuteRequest, "framework">): string {
    const frameworks = choice === "all" ? [...FRAMEWORKS] : [choice];
    const run: DocumentRun = {
      ...this.base(),
      kind: "document",
      request,
      lanes: frameworks.map((framework) => emptyLane<ExecutionResponse>(framework)),
    };
    // One request per framework, all under the run's one AbortController.
    const stream = async (signal: AbortSignal, onMessage: (message: SseMessage) => void): Promise<SseOutcome> => {
      const outcomes = await Promise.all(
        frameworks.map((framework) =>
          streamRun(
            framework,
            request,
            (message) => onMessage(message.event === "end" || message.event === "verdict" ? message : { ...message, framework }),
            signal,
          ).then((outcome) => {
            // settle this framework's lane alone, so one failure does not mark the others
            if (outcome.status === "failed")
              onMessage({ event: "error", framework, status: outcome.httpStatus, message: outcome.message, error: outcome.error });
            return outcome;
          }),
        ),
      );
      return outcomes.find((outcome) => outcome.status === "stopped") ?? { status: "completed" };
    };
    this.launch(run, stream, (message) => (message.event === "done" ? doneExecution(message.data) : null));
    return run.id;
  }

  stop(id: string): void {
    this.controllers.get(id)?.abort();
  }

  /** Stop everything and forget it (sign-out). */
  reset(): void {
    for (const controller of this.controllers.values()) controller.abort();
    this.controllers.clear();
    this.commit({ runs: [], notices: [] });
  }

  adopt(id: string): void {
    this.update(id, (run) => (run.kind === "chat" ? { ...run, adopted: true } : run));
  }

  dismiss(runId: string): void {
    this.commit({ ...this.state, notices: this.state.notices.filter((notice) => notice.runId !== runId) });
  }

  private base(): RunBase {
    this.counter += 1;
    return { id: `run-${Date.now()}-${this.counter}`, startedAt: Date.now(), running: true };
  }

  private isHere(path: string): boolean {
    return path === this.currentPath;
  }

  private launch<T extends Generation>(
    run: T,
    stream: (signal: AbortSignal, onMessage: (message: SseMessage) => void) => Promise<SseOutcome>,
    result: (message: SseMessage) => unknown,
  ): void {
    const controller = new AbortController();
    this.controllers.set(run.id, controller);
    const finishedRuns = this.state.runs.filter((item) => !item.running);
    const keep = new Set(finishedRuns.slice(-KEEP_FINISHED).map((item) => item.id));
    this.commit({
      ...this.state,
      runs: [...this.state.runs.filter((item) => item.running || keep.has(item.id)), run],
    });
    const onMessage = (message: SseMessage): void => {
      this.update(run.id, (current) => {
        const lanes = applyMessage(current.lanes as Lane<unknown>[], message, result);
        const next = { ...current, lanes } as Generation;
        if (next.kind === "story") return { ...next, judge: applyVerdict(next.judge, message) };
        if (next.kind === "chat" && message.event === "done") {
          const chat = next.lanes[0].result;
          if (chat) return { ...next, conversationId: chat.conversation_id };
        }
        return next;
      });
    };
    void stream(controller.signal, onMessage)
      .catch((): SseOutcome => ({ status: "failed", message: "The generation failed.", httpStatus: null, error: null }))
      .then((outcome) => {
        this.controllers.delete(run.id);
        this.update(
          run.id,
          (current) =>
            ({
              ...current,
              running: false,
              lanes: settle(current.lanes as Lane<unknown>[], outcome),
              ...(current.kind === "story" ? { judge: settleJudge(current.judge, outcome) } : {}),
            }) as Generation,
        );
        const ended = this.state.runs.find((item) => item.id === run.id);
        if (!ended) return;
        if (outcome.status !== "stopped" && !this.isHere(pathOf(ended)) && !this.isHere(pathOf(run))) {
          const text = `${describeRun(ended)}: ${ended.lanes.every((lane) => lane.phase === "done") ? "finished" : "ended with an error"}.`;
          this.commit({ ...this.state, notices: [...this.state.notices, { runId: run.id, text, path: pathOf(ended) }] });
        }
        this.onRunEnd(ended);
      });
  }

  private update(id: string, change: (run: Generation) => Generation): void {
    this.commit({ ...this.state, runs: this.state.runs.map((run) => (run.id === id ? change(run) : run)) });
  }

  private commit(state: GenerationsState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}
