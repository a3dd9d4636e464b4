import { isActive, useEvaluation, useEvaluationReport, useRunAction } from "../api/evaluations";
import type { EvaluationRunOut } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { formatUsd } from "../cost/format";
import { FRAMEWORK_LABELS } from "../lib/frameworks";
import { ReportView } from "./ReportView";

const STATUS_TONE: Record<string, string> = {
  planned: "bg-slate-100 text-slate-700",
  queued: "bg-sky-50 text-sky-800",
  running: "bg-sky-50 text-sky-800",
  done: "bg-emerald-50 text-emerald-800",
  cancelled: "bg-slate-100 text-slate-700",
  stopped: "bg-amber-50 text-amber-800",
};

export function RunStatus({ status }: { status: string }) {
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${STATUS_TONE[status] ?? ""}`} data-testid="run-status">
      {status}
    </span>
  );
}

export function ProgressBar({ run }: { run: EvaluationRunOut }) {
  const { total, done, failed } = run.progress;
  const share = total ? ((done + failed) / total) * 100 : 0;
  return (
    <div
      className="h-2 w-full overflow-hidden rounded bg-slate-100"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={total}
      aria-valuenow={done + failed}
      aria-label={`${run.name} progress`}
    >
      <div className="h-full bg-indigo-500" style={{ width: `${share}%` }} />
    </div>
  );
}

function Actions({ run }: { run: EvaluationRunOut }) {
  const start = useRunAction("start");
  const cancel = useRunAction("cancel");
  const resume = useRunAction("resume");
  const busy = start.isPending || cancel.isPending || resume.isPending;
  const button = "rounded px-3 py-1.5 text-sm font-medium disabled:opacity-50";
  return (
    <div className="flex flex-col gap-2">
      {run.status === "planned" && (
        <div
          className="flex flex-wrap items-center gap-3 rounded border border-indigo-200 bg-indigo-50 p-3 text-sm"
          data-testid="confirm-cost"
        >
          <span>
            {run.progress.total} stories{run.judge ? `, each brief judged` : ""}: at most{" "}
            <strong>{formatUsd(run.planned_cost_exact)}</strong> on {run.model}.
          </span>
          <button type="button" className={`${button} bg-indigo-600 text-white`} disabled={busy} onClick={() => start.mutate(run.id)}>
            Start: spend up to {formatUsd(run.planned_cost_exact)}
          </button>
        </div>
      )}
      {isActive(run) && (
        <button
          type="button"
          className={`${button} self-start border border-slate-300`}
          disabled={busy}
          onClick={() => cancel.mutate(run.id)}
        >
          Cancel run
        </button>
      )}
      {(run.status === "cancelled" || run.status === "stopped") && (
        <button
          type="button"
          className={`${button} self-start border border-slate-300`}
          disabled={busy}
          onClick={() => resume.mutate(run.id)}
        >
          Resume run
        </button>
      )}
      <ErrorNote error={start.error ?? cancel.error ?? resume.error} className="rounded bg-red-50 p-2 text-sm" />
    </div>
  );
}

/** One run: its state and live progress, what can be done with it now, and its report. */
export function RunDetail({ runId, runs }: { runId: number; runs: EvaluationRunOut[] }) {
  const query = useEvaluation(runId);
  const run = query.data;
  const report = useEvaluationReport(run);
  if (!run) return <ErrorNote error={query.error} className="rounded bg-red-50 p-2 text-sm" />;
  const { total, done, failed, running, pending } = run.progress;
  return (
    <section
      className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
      aria-label={`Run ${run.name}`}
      data-testid="run-detail"
    >
      <header className="flex flex-wrap items-center gap-3">
        <h3 className="font-semibold">{run.name}</h3>
        <RunStatus status={run.status} />
        <span className="text-xs text-slate-500">
          {run.briefs.length} briefs × {run.frameworks.map((name) => FRAMEWORK_LABELS[name]).join(", ")} × {run.repetitions}
        </span>
      </header>
      <ProgressBar run={run} />
      <p className="text-sm text-slate-700" data-testid="run-progress">
        {done + failed} of {total} stories ({done} written, {failed} failed, {running} writing, {pending} to go) · spent{" "}
        {formatUsd(run.progress.spent_exact)} of at most {formatUsd(run.planned_cost_exact)}
      </p>
      {run.error && <ErrorNote error={`Stopped: ${run.error}`} className="rounded bg-amber-50 p-2 text-sm" />}
      <Actions run={run} />
      {report.data && <ReportView report={report.data} runs={runs} />}
      <ErrorNote error={report.error} className="rounded bg-red-50 p-2 text-sm" />
    </section>
  );
}
