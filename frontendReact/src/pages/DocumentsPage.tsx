import { useQueryClient } from "@tanstack/react-query";
import { type ChangeEvent, useState } from "react";
import { ApiError } from "../api/client";
import { uploadDocument, useDeleteDocument, useDocuments, useExecutions } from "../api/documents";
import { queryKeys } from "../api/queryKeys";
import type { FrameworkName } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { MarkdownText } from "../components/MarkdownText";
import { TextField } from "../components/TextField";
import { useGenerationsStore, useLatestDocumentRun } from "../generations/GenerationsProvider";
import { formatCost, formatDate, formatMs } from "../lib/format";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";
import { usePageTitle } from "../lib/usePageTitle";

const PRESETS: Record<string, { system: string; user: string }> = {
  Summarise: { system: "You are a careful analyst. Be faithful to the document.", user: "Summarise the document in a short paragraph." },
  "Key points": { system: "You extract what matters.", user: "List the key points of the document as bullet points." },
  Questions: { system: "You are a teacher.", user: "Write three questions this document answers, with their answers." },
  Entities: { system: "You extract facts precisely.", user: "List the people, places and organisations the document mentions." },
};

type Tone = "ok" | "failed" | "neutral";

const STATUS_TONE: Record<Tone, string> = { ok: "text-green-700", failed: "text-red-700", neutral: "text-slate-500" };

/**
 * A run's status: completed is green, failed red, and anything else (a run the user stopped,
 * saved as "cancelled", or a status this client does not know yet) grey, never an error.
 */
function tone(status: string): Tone {
  if (status === "completed") return "ok";
  if (status === "failed") return "failed";
  return "neutral";
}

function statusLabel(status: string): string {
  return status === "cancelled" ? "stopped" : status;
}

/** Upload documents, then run system + user prompts over them with any framework, or all three. */
export function DocumentsPage() {
  usePageTitle("Documents");
  const store = useGenerationsStore();
  const latestRun = useLatestDocumentRun();
  const queryClient = useQueryClient();
  const documents = useDocuments();
  const executions = useExecutions();
  const remove = useDeleteDocument();
  const [progress, setProgress] = useState<number | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string[]>(() => latestRun?.request.file_ids ?? []);
  const [systemPrompt, setSystemPrompt] = useState(latestRun?.request.system_prompt ?? PRESETS.Summarise?.system ?? "");
  const [userPrompt, setUserPrompt] = useState(latestRun?.request.user_prompt ?? PRESETS.Summarise?.user ?? "");
  const [choice, setChoice] = useState<FrameworkName | "all">(() => {
    const frameworks = latestRun?.lanes.map((lane) => lane.framework) ?? [];
    return frameworks.length > 1 ? "all" : (frameworks[0] ?? "langchain");
  });
  const lanes = latestRun?.lanes ?? [];
  const running = latestRun?.running ?? false;

  async function onFile(event: ChangeEvent<HTMLInputElement>): Promise<void> {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    setUploadError(null);
    setProgress(0);
    try {
      const uploaded = await uploadDocument(file, setProgress);
      setUploadError(null);
      setSelected((current) => [...current, uploaded.file_id]);
      // The list's first read may still be under way (a busy server): a refetch asked for now
      // would only wait for that read, which left the new file out. Cancel it, then read again.
      await queryClient.cancelQueries({ queryKey: queryKeys.documents });
      await queryClient.invalidateQueries({ queryKey: queryKeys.documents });
    } catch (caught) {
      setUploadError(caught instanceof ApiError ? caught.message : "The upload failed.");
    } finally {
      setProgress(null);
    }
  }

  function run(): void {
    if (running) return;
    store.startDocument(choice, { file_ids: selected, system_prompt: systemPrompt, user_prompt: userPrompt });
  }

  return (
    <section className="flex flex-col gap-6">
      <div className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="font-semibold">Documents</h2>
        <label className="flex flex-col gap-1 text-sm">
          Upload a PDF, DOCX, TXT or MD file (up to 10 MB)
          <input
            type="file"
            accept=".pdf,.docx,.txt,.md,.markdown"
            className="max-w-full text-sm text-slate-600 file:mr-3 file:cursor-pointer file:rounded file:border-0 file:bg-indigo-600 file:px-3 file:py-1 file:text-sm file:font-medium file:text-white hover:file:bg-indigo-700 disabled:opacity-50 disabled:file:cursor-not-allowed"
            onChange={(event) => void onFile(event)}
            disabled={progress !== null}
          />
        </label>
        {progress !== null && <progress className="w-full" value={progress} max={1} data-testid="upload-progress" />}
        <ErrorNote error={uploadError} />
        <ErrorNote error={remove.error} />
        <ul className="divide-y divide-slate-200 text-sm" data-testid="documents">
          {documents.data?.files.map((file) => (
            <li key={file.file_id} className="flex items-center gap-3 py-1">
              <input
                type="checkbox"
                aria-label={`Use ${file.filename}`}
                checked={selected.includes(file.file_id)}
                onChange={(event) =>
                  setSelected((current) =>
                    event.target.checked ? [...current, file.file_id] : current.filter((id) => id !== file.file_id),
                  )
                }
              />
              <span className="font-medium">{file.filename}</span>
              <span className="text-xs text-slate-500">
                {file.file_type.toUpperCase()} · {file.pages ? `${file.pages} pages · ` : ""}
                {file.processed_content_length} characters · ~{file.estimated_tokens} tokens
              </span>
              <button
                type="button"
                className="ml-auto text-xs text-red-700 underline"
                onClick={() => {
                  if (!window.confirm(`Delete ${file.filename}?`)) return;
                  remove.mutate(file.file_id, {
                    onSuccess: () => setSelected((current) => current.filter((id) => id !== file.file_id)),
                  });
                }}
              >
                Delete
              </button>
            </li>
          ))}
          {documents.data?.files.length === 0 && <li className="py-1 text-slate-500">No documents yet.</li>}
        </ul>
      </div>
      <div className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4">
        <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="prompt-presets">
          <span className="font-semibold">Prompt</span>
          {Object.keys(PRESETS).map((name) => (
            <button
              key={name}
              type="button"
              className="whitespace-nowrap rounded border border-slate-300 px-2 py-0.5 text-xs"
              onClick={() => {
                setSystemPrompt(PRESETS[name]?.system ?? "");
                setUserPrompt(PRESETS[name]?.user ?? "");
              }}
            >
              {name}
            </button>
          ))}
        </div>
        <TextField label="System prompt" type="multiline" maxLength={8000} value={systemPrompt} onChange={setSystemPrompt} />
        <TextField label="User prompt" type="multiline" maxLength={8000} value={userPrompt} onChange={setUserPrompt} />
        <div className="flex flex-wrap items-center gap-4 text-sm">
          {[...FRAMEWORKS, "all" as const].map((option) => (
            <label key={option} className="flex items-center gap-1">
              <input type="radio" name="doc-framework" checked={choice === option} onChange={() => setChoice(option)} />
              {option === "all" ? "All three" : FRAMEWORK_LABELS[option]}
            </label>
          ))}
          <button
            type="button"
            className="ml-auto rounded bg-indigo-600 px-4 py-1 text-white disabled:opacity-50"
            disabled={running || selected.length === 0 || !systemPrompt.trim() || !userPrompt.trim()}
            onClick={run}
          >
            {running ? "Running…" : "Run"}
          </button>
          {running && latestRun && (
            <button type="button" className="rounded border border-slate-300 px-4 py-1" onClick={() => store.stop(latestRun.id)}>
              Stop
            </button>
          )}
        </div>
      </div>
      {lanes.length > 0 && (
        <div className={`grid gap-4 ${lanes.length > 1 ? "lg:grid-cols-3" : ""}`}>
          {lanes.map((lane) => (
            <article
              key={lane.framework}
              className="flex flex-col gap-2 rounded-lg border border-slate-200 bg-white p-4"
              data-testid={`run-${lane.framework}`}
            >
              <h3 className="font-semibold">{FRAMEWORK_LABELS[lane.framework]}</h3>
              {lane.phase === "queued" && <p className="animate-pulse text-sm text-slate-500">Waiting for the model…</p>}
              {lane.phase === "writing" && (
                <p className="animate-pulse text-sm text-slate-500">{lane.step ? `Running (${lane.step})…` : "Running…"}</p>
              )}
              {lane.phase === "stopped" && (
                <p className="rounded bg-slate-100 p-2 text-sm text-slate-600" data-testid="run-stopped">
                  Stopped.
                </p>
              )}
              <ErrorNote error={lane.error} className="rounded bg-red-50 p-2 text-sm" />
              <MarkdownText text={lane.result?.response ?? lane.text} testId="run-text" />
              {lane.result && (
                <p className="text-xs text-slate-500" data-testid="run-figures">
                  {lane.result.strategy === "map_reduce" ? `map-reduce over ${lane.result.chunks} chunks` : "single call"} ·{" "}
                  {lane.result.total_tokens} tokens · {formatCost(lane.result.estimated_cost_usd)} ·{" "}
                  {formatMs(lane.result.total_execution_time_ms)}
                </p>
              )}
            </article>
          ))}
        </div>
      )}
      <div className="flex flex-col gap-2 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="font-semibold">Runs</h2>
        <ul className="divide-y divide-slate-200 text-sm" data-testid="executions">
          {executions.data?.executions.map((execution) => (
            <li key={execution.execution_id} className="flex flex-wrap gap-3 py-1">
              <span className={STATUS_TONE[tone(execution.status)]} data-testid="execution-status">
                {statusLabel(execution.status)}
              </span>
              <span>{FRAMEWORK_LABELS[execution.framework]}</span>
              <span className="text-slate-500">{execution.user_prompt.slice(0, 60)}</span>
              <span className="text-xs text-slate-500">
                {execution.total_tokens} tokens · {formatCost(execution.estimated_cost_usd)} · {formatDate(execution.created_at)}
              </span>
              {execution.error_message && (
                <span className={`text-xs ${STATUS_TONE[tone(execution.status)]}`}>{execution.error_message}</span>
              )}
            </li>
          ))}
          {executions.data?.executions.length === 0 && <li className="py-1 text-slate-500">No runs yet.</li>}
        </ul>
      </div>
    </section>
  );
}
