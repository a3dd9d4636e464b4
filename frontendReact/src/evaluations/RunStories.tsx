import { useState } from "react";
import { useEvaluationItems } from "../api/evaluations";
import { useStory } from "../api/stories";
import type { EvaluationItemOut, EvaluationRunOut } from "../client/types.gen";
import { ComparisonVerdict } from "../components/ComparisonVerdict";
import { ErrorNote } from "../components/ErrorNote";
import { StoryCard } from "../components/StoryCard";
import { formatLatency } from "../cost/format";
import { FRAMEWORK_LABELS } from "../lib/frameworks";

function OpenedStory({ item }: { item: EvaluationItemOut }) {
  const story = useStory(item.story_id ?? null);
  return (
    <div className="flex flex-col gap-2" data-testid="evaluation-story">
      {story.data && <StoryCard framework={item.framework} story={story.data} title={story.data.combined_characters} />}
      <ComparisonVerdict comparisonId={item.comparison_id} />
      <ErrorNote error={story.error} className="rounded bg-red-50 p-2 text-sm" />
    </div>
  );
}

/** The evidence behind the figures: every story of the run, one click from its text and verdict. */
export function RunStories({ run }: { run: EvaluationRunOut }) {
  const [shown, setShown] = useState(false);
  const items = useEvaluationItems(run, shown);
  const [opened, setOpened] = useState<number | null>(null);
  const item = items.data?.find((candidate) => candidate.id === opened);
  return (
    <details className="rounded border border-slate-200 p-2 text-sm" onToggle={(event) => setShown(event.currentTarget.open)}>
      <summary className="cursor-pointer font-medium">Stories ({run.progress.total})</summary>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full min-w-[36rem]" data-testid="run-items">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="px-2 py-1 text-left font-medium">Brief</th>
              <th className="px-2 py-1 text-left font-medium">Repetition</th>
              <th className="px-2 py-1 text-left font-medium">Framework</th>
              <th className="px-2 py-1 text-left font-medium">State</th>
              <th className="px-2 py-1 text-right font-medium">Latency</th>
              <th className="px-2 py-1" />
            </tr>
          </thead>
          <tbody>
            {(items.data ?? []).map((row) => {
              const brief = run.briefs[row.brief_index];
              return (
                <tr key={row.id} className="border-t border-slate-100">
                  <td className="px-2 py-1">
                    {brief ? `${brief.primary_character} and ${brief.secondary_character}` : row.brief_index + 1}
                  </td>
                  <td className="px-2 py-1">{row.repetition}</td>
                  <td className="px-2 py-1">{FRAMEWORK_LABELS[row.framework]}</td>
                  <td className="px-2 py-1" title={row.error ?? undefined}>
                    {row.status}
                  </td>
                  <td className="px-2 py-1 text-right tabular-nums">{formatLatency(row.latency_ms)}</td>
                  <td className="px-2 py-1 text-right">
                    {row.story_id !== null && row.story_id !== undefined && (
                      <button
                        type="button"
                        className="rounded border border-slate-300 px-2 py-0.5 text-xs"
                        onClick={() => setOpened(opened === row.id ? null : row.id)}
                      >
                        {opened === row.id ? "Close" : "Read"}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {item && <OpenedStory item={item} />}
      <ErrorNote error={items.error} className="rounded bg-red-50 p-2 text-sm" />
    </details>
  );
}
