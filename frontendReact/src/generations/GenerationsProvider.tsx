import { type QueryKey, useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from "react";
import { Link, useLocation } from "react-router";
import { queryKeys } from "../api/queryKeys";
import { onTokenChange } from "../auth/token";
import type { ChatRun, DocumentRun, Generation, GenerationsState, StoryRun } from "./runs";
import { GenerationsStore } from "./store";

const StoreContext = createContext<GenerationsStore | null>(null);

const INVALIDATE: Record<Generation["kind"], QueryKey> = {
  story: queryKeys.stories.all,
  chat: queryKeys.chat.all,
  document: queryKeys.executions,
};

/**
 * A stopped run is recorded by the server just after the client leaves it, so the refresh made
 * when the run ends can miss it: refresh again after these delays (ms).
 */
export const REFRESH_AFTER_STOP_MS = [1000, 3000] as const;

/**
 * Owns every generation (stories, chat turns, document runs) above the routes, so runs keep
 * going while the user moves around. Mount inside the router and the QueryClientProvider.
 */
export function GenerationsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [timers] = useState(() => new Set<number>());
  const [store] = useState(
    () =>
      new GenerationsStore((run) => {
        const refresh = () => void queryClient.invalidateQueries({ queryKey: INVALIDATE[run.kind] });
        refresh();
        if (!run.lanes.some((lane) => lane.phase === "stopped")) return;
        for (const delay of REFRESH_AFTER_STOP_MS) {
          const timer = window.setTimeout(() => {
            timers.delete(timer);
            refresh();
          }, delay);
          timers.add(timer);
        }
      }),
  );
  useEffect(
    () => () => {
      for (const timer of timers) window.clearTimeout(timer);
      timers.clear();
    },
    [timers],
  );
  const location = useLocation();
  useEffect(() => store.setLocation(`${location.pathname}${location.search}`), [store, location.pathname, location.search]);
  useEffect(() => onTokenChange((token) => token === null && store.reset()), [store]); // sign-out
  return (
    <StoreContext.Provider value={store}>
      {children}
      <GenerationNotices />
    </StoreContext.Provider>
  );
}

export function useGenerationsStore(): GenerationsStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error("useGenerationsStore needs a <GenerationsProvider> above it");
  return store;
}

export function useGenerations(): GenerationsState {
  const store = useGenerationsStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

function latest<K extends Generation["kind"]>(runs: readonly Generation[], kind: K): Extract<Generation, { kind: K }> | null {
  for (let index = runs.length - 1; index >= 0; index -= 1) {
    const run = runs[index];
    if (run?.kind === kind) return run as Extract<Generation, { kind: K }>;
  }
  return null;
}

export function useLatestStoryRun(): StoryRun | null {
  return latest(useGenerations().runs, "story");
}

export function useLatestDocumentRun(): DocumentRun | null {
  return latest(useGenerations().runs, "document");
}

export function useChatRuns(): ChatRun[] {
  return useGenerations().runs.filter((run): run is ChatRun => run.kind === "chat");
}

/** "A generation finished on another page", with a link to it. */
function GenerationNotices() {
  const { notices } = useGenerations();
  const store = useGenerationsStore();
  if (notices.length === 0) return null;
  return (
    <div className="fixed right-4 bottom-4 z-50 flex max-w-sm flex-col gap-2" aria-live="polite" data-testid="generation-notices">
      {notices.map((notice) => (
        <div
          key={notice.runId}
          role="status"
          className="flex items-start gap-2 rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-lg"
        >
          <Link to={notice.path} className="text-indigo-700 underline" onClick={() => store.dismiss(notice.runId)}>
            {notice.text}
          </Link>
          <button type="button" aria-label="Dismiss" className="ml-auto text-slate-500" onClick={() => store.dismiss(notice.runId)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
