// Evaluation runs: plan, start (the cost confirmed), follow while they run, cancel, resume,
// report, and the files they come from and go to.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  cancelEvaluation,
  exportEvaluationReport,
  getEvaluation,
  getEvaluationReport,
  listEvaluationItems,
  listEvaluations,
  planEvaluation,
  readEvaluationBriefs,
  resumeEvaluation,
  startEvaluation,
} from "../client/sdk.gen";
import type { EvaluationReport, EvaluationRequest, EvaluationRunOut, StoryBriefFields } from "../client/types.gen";
import { queryKeys } from "./queryKeys";

/** A run still moving: its progress is read again every few seconds. */
export function isActive(run: Pick<EvaluationRunOut, "status"> | undefined): boolean {
  return run?.status === "queued" || run?.status === "running";
}

// Following a run reads the server every few seconds (about 35 requests a minute, measured):
// slowly enough that a long run leaves most of the user's general rate limit to the rest.
const FOLLOW_MS = 4000;
const LIST_FOLLOW_MS = 10_000;

export function useEvaluations() {
  return useQuery({
    queryKey: queryKeys.evaluations.list,
    queryFn: async () => (await listEvaluations({ query: { limit: 50 } })).data,
    refetchInterval: (query) => (query.state.data?.runs.some(isActive) ? LIST_FOLLOW_MS : false),
  });
}

export function useEvaluation(id: number | null) {
  return useQuery({
    queryKey: queryKeys.evaluations.detail(id),
    enabled: id !== null,
    queryFn: async () => (await getEvaluation({ path: { run_id: id ?? 0 } })).data,
    refetchInterval: (query) => (isActive(query.state.data) ? FOLLOW_MS : false),
  });
}

/** Where a run stands: a report or item list read at another point is out of date. */
function stage(run: EvaluationRunOut | undefined): string {
  return run ? `${run.status}:${run.progress.done}:${run.progress.failed}` : "";
}

export function useEvaluationReport(run: EvaluationRunOut | undefined) {
  return useQuery({
    queryKey: queryKeys.evaluations.report(run?.id ?? null, stage(run)),
    placeholderData: keepPreviousData,
    enabled: run !== undefined && run.status !== "planned",
    queryFn: async () => (await getEvaluationReport({ path: { run_id: run?.id ?? 0 } })).data,
  });
}

/** The run's stories, read only while they are shown. */
export function useEvaluationItems(run: EvaluationRunOut, shown: boolean) {
  return useQuery({
    queryKey: queryKeys.evaluations.items(run.id, stage(run)),
    enabled: shown,
    placeholderData: keepPreviousData,
    queryFn: async () => (await listEvaluationItems({ path: { run_id: run.id } })).data,
  });
}

export function usePlanEvaluation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: EvaluationRequest) => (await planEvaluation({ body })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.evaluations.all }),
  });
}

type RunAction = "start" | "cancel" | "resume";
const ACTIONS = { start: startEvaluation, cancel: cancelEvaluation, resume: resumeEvaluation };

export function useRunAction(action: RunAction) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) => (await ACTIONS[action]({ path: { run_id: id } })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.evaluations.all }),
  });
}

/** Briefs read from a CSV or JSON file by the server, each checked like a story request. */
export async function readBriefsFile(file: File): Promise<StoryBriefFields[]> {
  return (await readEvaluationBriefs({ body: { file } })).data.briefs;
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

export async function downloadReportCsv(id: number): Promise<void> {
  const { data } = await exportEvaluationReport({ path: { run_id: id }, parseAs: "blob" });
  save(data as Blob, `evaluation-${id}.csv`);
}

export function downloadReportJson(report: EvaluationReport): void {
  save(new Blob([JSON.stringify(report, null, 2)], { type: "application/json" }), `evaluation-${report.run.id}.json`);
}
