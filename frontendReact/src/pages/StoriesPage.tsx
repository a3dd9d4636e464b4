import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { type StreamMessage, streamStories } from "../api/streams";
import { useProvider } from "../api/stories";
import type { FrameworkName, StoryRequest, StoryResponse } from "../client/types.gen";
import { StoryCard } from "../components/StoryCard";
import { TextField } from "../components/TextField";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";

type Choice = FrameworkName | "all";
type Length = NonNullable<StoryRequest["length"]>;

interface Run {
  text: string;
  step: string | null;
  story: StoryResponse | null;
  error: string | null;
  pending: boolean;
}

const EMPTY_RUN: Run = { text: "", step: null, story: null, error: null, pending: true };

function apply(runs: Partial<Record<FrameworkName, Run>>, message: StreamMessage): Partial<Record<FrameworkName, Run>> {
  const targets = message.framework ? [message.framework] : (Object.keys(runs) as FrameworkName[]);
  const next = { ...runs };
  for (const framework of targets) {
    const run = next[framework] ?? EMPTY_RUN;
    if (message.event === "token") next[framework] = { ...run, text: run.text + message.text };
    else if (message.event === "step") next[framework] = { ...run, step: message.step };
    else if (message.event === "done") next[framework] = { ...run, story: message.story, pending: false };
    else if (run.pending) next[framework] = { ...run, error: message.message, pending: false };
  }
  return next;
}

/** Generate a story with one framework, or with all three side by side, streamed as written. */
export function StoriesPage() {
  const [primary, setPrimary] = useState("");
  const [secondary, setSecondary] = useState("");
  const [genre, setGenre] = useState("");
  const [length, setLength] = useState<Length>("short");
  const [choice, setChoice] = useState<Choice>("all");
  const [runs, setRuns] = useState<Partial<Record<FrameworkName, Run>>>({});
  const [running, setRunning] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const provider = useProvider();
  const queryClient = useQueryClient();

  useEffect(() => () => abort.current?.abort(), []); // leaving the page cancels the runs

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const body: StoryRequest = {
      primary_character: primary,
      secondary_character: secondary,
      length,
      ...(genre.trim() ? { genre: genre.trim() } : {}),
    };
    const targets = choice === "all" ? [...FRAMEWORKS] : [choice];
    abort.current?.abort();
    abort.current = new AbortController();
    setRuns(Object.fromEntries(targets.map((framework) => [framework, EMPTY_RUN])));
    setRunning(true);
    try {
      await streamStories(choice, body, (message) => setRuns((current) => apply(current, message)), abort.current.signal);
    } finally {
      setRuns((current) => apply(current, { event: "error", framework: null, message: "The stream ended early." }));
      setRunning(false);
      void queryClient.invalidateQueries({ queryKey: ["stories"] });
    }
  }

  const shown = Object.keys(runs) as FrameworkName[];
  return (
    <section className="flex flex-col gap-6">
      <form onSubmit={(event) => void submit(event)} className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-2">
        <TextField label="Primary character" value={primary} onChange={setPrimary} maxLength={100} required />
        <TextField label="Secondary character" value={secondary} onChange={setSecondary} maxLength={100} required />
        <TextField label="Genre (optional)" value={genre} onChange={setGenre} maxLength={50} />
        <label className="flex flex-col gap-1 text-sm">
          Length
          <select
            className="rounded border border-slate-300 px-2 py-1"
            value={length}
            onChange={(event) => setLength(event.target.value as Length)}
          >
            <option value="short">Short</option>
            <option value="medium">Medium</option>
            <option value="long">Long</option>
          </select>
        </label>
        <fieldset className="flex flex-wrap gap-4 text-sm md:col-span-2">
          <legend className="mb-1 font-medium">Framework</legend>
          {[...FRAMEWORKS, "all" as const].map((option) => (
            <label key={option} className="flex items-center gap-1">
              <input type="radio" name="framework" value={option} checked={choice === option} onChange={() => setChoice(option)} />
              {option === "all" ? "All three" : FRAMEWORK_LABELS[option]}
            </label>
          ))}
        </fieldset>
        <div className="flex items-center justify-between md:col-span-2">
          <span className="text-xs text-slate-500">
            {provider.data ? `Model: ${provider.data.model} (${provider.data.provider})` : ""}
          </span>
          <div className="flex gap-2">
            {running && (
              <button type="button" className="rounded border border-slate-300 px-4 py-2 text-sm" onClick={() => abort.current?.abort()}>
                Stop
              </button>
            )}
            <button type="submit" disabled={running} className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-50">
              {running ? "Generating…" : "Generate"}
            </button>
          </div>
        </div>
      </form>
      {shown.length > 0 && (
        <div className={`grid gap-4 ${shown.length > 1 ? "lg:grid-cols-3" : ""}`}>
          {shown.map((framework) => {
            const run = runs[framework] ?? EMPTY_RUN;
            return (
              <StoryCard
                key={framework}
                framework={framework}
                story={run.story ?? undefined}
                streamingText={run.story ? null : run.text}
                step={run.pending ? run.step : null}
                pending={run.pending}
                error={run.error}
              />
            );
          })}
        </div>
      )}
    </section>
  );
}
