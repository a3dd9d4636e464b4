import { useComparison, useJudgeComparison } from "../api/comparisons";
import { ErrorNote } from "./ErrorNote";
import { VerdictSummary } from "./JudgeScores";

/** A past comparison's verdict (the story's own scores show on its card), or a way to get one. */
export function ComparisonVerdict({ comparisonId }: { comparisonId: string }) {
  const comparison = useComparison(comparisonId);
  const judge = useJudgeComparison(comparisonId);
  const verdict = comparison.data?.verdict ?? null;
  return (
    <div className="flex flex-col gap-2" data-testid="comparison-verdict">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-slate-600">
          One of a comparison of {comparison.data ? comparison.data.stories.length : "the"} frameworks.
        </span>
        {comparison.data && (
          <button
            type="button"
            className="rounded border border-slate-300 px-2 py-1 text-xs disabled:opacity-50"
            disabled={judge.isPending}
            onClick={() => judge.mutate()}
          >
            {judge.isPending ? "Judging…" : verdict ? "Judge again" : "Judge this comparison"}
          </button>
        )}
      </div>
      {verdict && <VerdictSummary verdict={verdict} />}
      {comparison.data && !verdict && !judge.isPending && <p className="text-sm text-slate-500">Not judged yet.</p>}
      <ErrorNote error={comparison.error ?? judge.error} className="rounded bg-red-50 p-2 text-sm" />
    </div>
  );
}
