import { useSearchParams } from "react-router";
import { useEvaluations } from "../api/evaluations";
import { ErrorNote } from "../components/ErrorNote";
import { formatUsd, formatUtc } from "../cost/format";
import { PlanForm } from "../evaluations/PlanForm";
import { ProgressBar, RunDetail, RunStatus } from "../evaluations/RunDetail";
import { usePageTitle } from "../lib/usePageTitle";

/**
 * Evaluation runs: a suite of briefs written by the frameworks several times, judged, and
 * reported per framework (quality, speed, cost), so the choice rests on more than one story.
 * The chosen run is in the URL (`?run=`).
 */
export function EvaluationsPage() {
  usePageTitle("Evaluations");
  const [search, setSearch] = useSearchParams();
  const runs = useEvaluations();
  const selected = Number(search.get("run")) || null;
  const choose = (id: number) => setSearch({ run: String(id) });
  return (
    <section className="flex flex-col gap-6">
      <h2 className="text-xl font-semibold">Evaluations</h2>
      <PlanForm onPlanned={(run) => choose(run.id)} />
      {selected !== null && <RunDetail key={selected} runId={selected} runs={runs.data?.runs ?? []} />}
      <section className="flex flex-col gap-2" aria-label="Runs">
        <h3 className="font-semibold">Runs</h3>
        {runs.data?.runs.length === 0 && <p className="text-sm text-slate-500">No runs yet.</p>}
        <ul className="flex flex-col gap-2" data-testid="run-list">
          {runs.data?.runs.map((run) => (
            <li key={run.id}>
              <button
                type="button"
                onClick={() => choose(run.id)}
                aria-current={run.id === selected}
                className={`flex w-full flex-col gap-1 rounded border p-2 text-left text-sm ${run.id === selected ? "border-indigo-400 bg-indigo-50" : "border-slate-200 bg-white"}`}
              >
                <span className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{run.name}</span>
                  <RunStatus status={run.status} />
                  <span className="text-xs text-slate-500">
                    {run.progress.done}/{run.progress.total} · {formatUsd(run.progress.spent_exact)} · {formatUtc(run.created_at)} UTC
                  </span>
                </span>
                <ProgressBar run={run} />
              </button>
            </li>
          ))}
        </ul>
        <ErrorNote error={runs.error} className="rounded bg-red-50 p-2 text-sm" />
      </section>
    </section>
  );
}
