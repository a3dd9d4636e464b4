import { useEffect, useRef, useState } from "react";
import { useComparison } from "../api/comparisons";
import { useDeleteAllStories, useStory, useStoryList } from "../api/stories";
import type { FrameworkName, StoryOrigin } from "../client/types.gen";
import { ComparisonVerdict } from "../components/ComparisonVerdict";
import { ErrorNote } from "../components/ErrorNote";
import { StoryCard } from "../components/StoryCard";
import { formatCost, formatDate } from "../lib/format";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";
import { usePageTitle } from "../lib/usePageTitle";

const PAGE_SIZE = 10;
type Option<T extends string> = { value: T | ""; label: string };
const FRAMEWORK_OPTIONS: Option<FrameworkName>[] = [
  { value: "", label: "All" },
  ...FRAMEWORKS.map((name) => ({ value: name, label: FRAMEWORK_LABELS[name] })),
];
const ORIGINS: Option<StoryOrigin>[] = [
  { value: "", label: "All" },
  { value: "written", label: "Asked for" },
  { value: "evaluation", label: "Evaluation runs" },
];

/** One of the list's filters: "All" (null) or one value. */
function FilterSelect<T extends string>(props: {
  label: string;
  name: string;
  options: Option<T>[];
  value: T | null;
  onChange: (value: T | null) => void;
}) {
  return (
    <label className="flex flex-col gap-1 text-sm">
      {props.label}
      <select
        aria-label={props.name}
        className="rounded border border-slate-300 px-2 py-1"
        value={props.value ?? ""}
        onChange={(event) => props.onChange((event.target.value || null) as T | null)}
      >
        {props.options.map(({ value, label }) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Past stories: filter by framework and by where they came from, search by character, open one,
 * delete all. */
export function HistoryPage() {
  usePageTitle("History");
  const [framework, setFramework] = useState<FrameworkName | null>(null);
  const [origin, setOrigin] = useState<StoryOrigin | null>(null);
  const [character, setCharacter] = useState("");
  const [skip, setSkip] = useState(0);
  const [openId, setOpenId] = useState<number | null>(null);
  const [openings, setOpenings] = useState(0); // each click scrolls, even on the story already open
  const list = useStoryList({ skip, limit: PAGE_SIZE, framework, character, origin });
  const opened = useStory(openId);
  const deleteAll = useDeleteAllStories();
  const openedRef = useRef<HTMLDivElement>(null);
  const openedStory = openId !== null && opened.data?.id === openId ? opened.data : null;
  const total = list.data?.total ?? 0;
  const comparison = useComparison(openedStory?.comparison_id ?? null);
  const verdict = comparison.data?.verdict?.status === "ok" ? comparison.data.verdict : null;

  // Bring an opened story into view (on a phone it lands below the fold) on each click that opens it.
  const shownId = openedStory?.id ?? null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `openings` counts the clicks, so reopening the same story scrolls again
  useEffect(() => {
    if (shownId === null) return;
    openedRef.current?.scrollIntoView?.({ behavior: "smooth", block: "start" });
  }, [shownId, openings]);
  const searched = character.trim();

  function confirmDelete(): void {
    if (window.confirm("Delete all stories? Their spend stays in the cost ledger.")) {
      deleteAll.mutate(undefined, { onSuccess: () => setOpenId(null) });
    }
  }

  // A changed filter or search starts again from the first page.
  const fromFirstPage =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setSkip(0);
    };

  return (
    <section className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">History</h2>
      <div className="flex flex-wrap items-end gap-3">
        <FilterSelect
          label="Framework"
          name="Filter by framework"
          options={FRAMEWORK_OPTIONS}
          value={framework}
          onChange={fromFirstPage(setFramework)}
        />
        <FilterSelect label="Source" name="Filter by source" options={ORIGINS} value={origin} onChange={fromFirstPage(setOrigin)} />
        <label className="flex flex-col gap-1 text-sm">
          Character
          <input
            aria-label="Search by character"
            className="w-full max-w-[16rem] rounded border border-slate-300 px-2 py-1"
            value={character}
            maxLength={100}
            onChange={(event) => fromFirstPage(setCharacter)(event.target.value)}
          />
        </label>
        <span className="text-sm text-slate-500" data-testid="history-total">
          {total} {total === 1 ? "story" : "stories"}
        </span>
        <button
          type="button"
          className="ml-auto rounded border border-red-300 px-3 py-1 text-sm text-red-700 disabled:opacity-50"
          disabled={total === 0 || deleteAll.isPending}
          onClick={confirmDelete}
        >
          Delete all
        </button>
      </div>
      <ErrorNote error={list.error} />
      <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white" data-testid="history-list">
        {list.data?.stories.map((story) => (
          <li key={story.id}>
            <button
              type="button"
              aria-current={story.id === openId ? "true" : undefined}
              className={`flex w-full flex-wrap items-center gap-3 px-4 py-2 text-left text-sm ${
                story.id === openId ? "bg-indigo-50 shadow-[inset_3px_0_0_var(--color-indigo-600)]" : "hover:bg-slate-50"
              }`}
              onClick={() => {
                setOpenId(story.id);
                setOpenings((count) => count + 1);
              }}
            >
              <span className="min-w-0 basis-full break-words font-medium sm:basis-auto">{story.combined_characters}</span>
              <span className="rounded bg-slate-100 px-2 text-xs">{FRAMEWORK_LABELS[story.method]}</span>
              <span className="text-xs text-slate-500">{story.total_tokens} tokens</span>
              <span className="text-xs text-slate-500">{formatCost(story.estimated_cost_usd)}</span>
              <span className="ml-auto text-xs text-slate-500">{formatDate(story.created_at)}</span>
            </button>
          </li>
        ))}
        {list.data && list.data.stories.length === 0 && !list.isPlaceholderData && (
          <li className="break-words px-4 py-6 text-center text-sm text-slate-500">{emptyMessage(searched, framework, origin)}</li>
        )}
      </ul>
      {!searched && total > PAGE_SIZE && (
        <nav aria-label="Pages" className="flex flex-wrap items-center gap-3 text-sm">
          <button type="button" disabled={skip === 0} onClick={() => setSkip(Math.max(0, skip - PAGE_SIZE))}>
            Previous
          </button>
          <span>
            {skip + 1}–{Math.min(skip + PAGE_SIZE, total)} of {total}
          </span>
          <button type="button" disabled={skip + PAGE_SIZE >= total} onClick={() => setSkip(skip + PAGE_SIZE)}>
            Next
          </button>
        </nav>
      )}
      {openedStory && (
        <div ref={openedRef} className="flex scroll-mt-4 flex-col gap-2" data-testid="opened-story">
          {openedStory.comparison_id && <ComparisonVerdict comparisonId={openedStory.comparison_id} />}
          <StoryCard
            framework={openedStory.method}
            story={openedStory}
            title={openedStory.combined_characters}
            scores={verdict?.scores.find((entry) => entry.framework === openedStory.method) ?? null}
            winner={verdict?.winner === openedStory.method}
          />
        </div>
      )}
    </section>
  );
}

/** Tell "nothing matched" apart from "nothing yet", so an empty search never looks like lost data. */
function emptyMessage(searched: string, framework: FrameworkName | null, origin: StoryOrigin | null): string {
  if (searched) return `No stories match “${searched}”.`;
  const kind = framework ? `${FRAMEWORK_LABELS[framework]} stories` : "stories";
  if (origin === "evaluation") return `No ${kind} from evaluation runs yet.`;
  if (origin === "written") return `No ${kind} asked for yet (evaluation runs' stories are left out).`;
  if (framework) return `No ${kind} yet.`;
  return "No stories yet.";
}
