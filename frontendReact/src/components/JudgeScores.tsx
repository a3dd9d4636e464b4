import type { FrameworkScores, VerdictResponse } from "../client/types.gen";
import { frameworkLabel } from "../lib/frameworks";

const CRITERIA = [
  ["adherence", "Adherence"],
  ["coherence", "Coherence"],
  ["creativity", "Creativity"],
  ["length_fit", "Length fit"],
] as const;

/** One story's scores from the judge, each with its reason; the winner is marked. */
export function JudgeScores({ scores, winner }: { scores: FrameworkScores; winner: boolean }) {
  return (
    <section className="rounded border border-amber-200 bg-amber-50 p-2 text-sm" data-testid={`judge-scores-${scores.framework}`}>
      <h3 className="flex flex-wrap items-center gap-2 font-medium">
        Judge: <span data-testid="judge-total">{scores.total}/20</span>
        {winner && (
          <span className="rounded bg-amber-500 px-2 text-xs font-semibold text-white" data-testid="judge-winner">
            Judge's pick
          </span>
        )}
        <span className="text-xs font-normal text-slate-500">shown to the judge as story {scores.label}</span>
      </h3>
      <dl className="mt-1 grid gap-1">
        {CRITERIA.map(([key, label]) => (
          <div key={key} className="grid grid-cols-[6.5rem_2rem_1fr] gap-1">
            <dt className="text-slate-600">{label}</dt>
            <dd className="font-medium">{scores[key].score}/5</dd>
            <dd className="text-slate-700">{scores[key].reason}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** The verdict in a line: who won, by which judge, at what cost. */
export function VerdictSummary({ verdict }: { verdict: VerdictResponse }) {
  if (verdict.status !== "ok" || !verdict.winner) {
    return (
      <p className="rounded bg-red-50 p-2 text-sm text-red-800" data-testid="verdict-summary">
        The judge could not score these stories: {verdict.error ?? "no verdict"}.
      </p>
    );
  }
  const ranking = verdict.ranking.map(frameworkLabel).join(" › ");
  return (
    <p className="rounded bg-amber-50 p-2 text-sm" data-testid="verdict-summary">
      <span className="font-medium">Judge's verdict: {frameworkLabel(verdict.winner)} wins.</span> Ranking: {ranking}. Judged by{" "}
      {verdict.judge_model}
      {verdict.attempts > 1 ? ` (${verdict.attempts} attempts)` : ""}.
    </p>
  );
}
