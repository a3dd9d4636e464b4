import { type FormEvent, useState } from "react";
import { useProvider } from "../api/stories";
import type { FrameworkName, StoryRequest } from "../client/types.gen";
import { VerdictSummary } from "../components/JudgeScores";
import { StoryCard } from "../components/StoryCard";
import { TextField } from "../components/TextField";
import { useGenerationsStore, useLatestStoryRun } from "../generations/GenerationsProvider";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";
import { usePageTitle } from "../lib/usePageTitle";

type Choice = FrameworkName | "all";
type Length = NonNullable<StoryRequest["length"]>;

/**
 * Generate a story with one framework, or with all three side by side, streamed as written.
 * The run lives in the generations store, so it keeps going if the user leaves the page.
 */
export function StoriesPage() {
  usePageTitle("Stories");
  const store = useGenerationsStore();
  const run = useLatestStoryRun();
  const [primary, setPrimary] = useState(run?.request.primary_character ?? "");
  const [secondary, setSecondary] = useState(run?.request.secondary_character ?? "");
  const [genre, setGenre] = useState(run?.request.genre ?? "");
  const [length, setLength] = useState<Length>(run?.request.length ?? "short");
  const [choice, setChoice] = useState<Choice>(run?.choice ?? "all");
  const [judge, setJudge] = useState(run ? run.judge.status !== "off" || run.choice !== "all" : true);
  const [cache, setCache] = useState(run?.request.cache ?? false);
  const provider = useProvider();
  const running = run?.running ?? false;

  function submit(event: FormEvent): void {
    event.preventDefault();
    if (running) return;
    const body: StoryRequest = {
      primary_character: primary,
      secondary_character: secondary,
      length,
      ...(genre.trim() ? { genre: genre.trim() } : {}),
      ...(cache ? { cache: true } : {}),
    };
    store.startStory(choice, body, judge);
  }

  const lanes = run?.lanes ?? [];
  const judging = run?.judge ?? { status: "off" };
  const verdict = judging.status === "judged" ? judging.verdict : null;
  return (
    <section className="flex flex-col gap-6">
      <h2 className="text-xl font-semibold">Stories</h2>
      <form onSubmit={submit} className="grid gap-4 rounded-lg border border-slate-200 bg-white p-4 md:grid-cols-2">
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
        {choice === "all" && (
          <label className="flex items-center gap-2 text-sm md:col-span-2">
            <input type="checkbox" checked={judge} onChange={(event) => setJudge(event.target.checked)} />
            Judge the three stories (a model scores them against a rubric; its calls are billed like any other)
          </label>
        )}
        <label className="flex items-center gap-2 text-sm md:col-span-2">
          <input type="checkbox" checked={cache} onChange={(event) => setCache(event.target.checked)} />
          Reuse my earlier story for the same request, if cached (no model call, $0)
        </label>
        <div className="flex items-center justify-between md:col-span-2">
          <span className="text-xs text-slate-500">{provider.data ? `Model: ${provider.data.model} (${provider.data.provider})` : ""}</span>
          <div className="flex gap-2">
            {running && run && (
              <button type="button" className="rounded border border-slate-300 px-4 py-2 text-sm" onClick={() => store.stop(run.id)}>
                Stop
              </button>
            )}
            <button
              type="submit"
              disabled={running}
              className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-50"
            >
              {running ? "Generating…" : "Generate"}
            </button>
          </div>
        </div>
      </form>
      {judging.status === "waiting" && lanes.every((lane) => lane.phase === "done" || lane.phase === "failed") && (
        <p className="animate-pulse rounded border border-amber-200 bg-amber-50 p-2 text-sm" data-testid="verdict-pending">
          The judge is scoring the stories: each on adherence to the brief, coherence, creativity and length fit, 1 to 5…
        </p>
      )}
      {judging.status === "failed" && (
        <p className="rounded bg-red-50 p-2 text-sm text-red-800" data-testid="verdict-summary">
          The judge could not score these stories: {judging.message}
        </p>
      )}
      {verdict && <VerdictSummary verdict={verdict} />}
      {lanes.length > 0 && (
        <div className={`grid gap-4 ${lanes.length > 1 ? "lg:grid-cols-3" : ""}`}>
          {lanes.map((lane) => {
            const pending = lane.phase === "queued" || lane.phase === "writing";
            return (
              <StoryCard
                key={lane.framework}
                framework={lane.framework}
                story={lane.result ?? undefined}
                streamingText={lane.result ? null : lane.text}
                step={pending ? lane.step : null}
                pending={pending}
                queued={lane.phase === "queued"}
                stopped={lane.phase === "stopped"}
                error={lane.error}
                scores={verdict?.scores.find((entry) => entry.framework === lane.framework) ?? null}
                winner={verdict?.winner === lane.framework}
                judging={judging.status === "waiting" && lane.phase === "done"}
              />
            );
          })}
        </div>
      )}
    </section>
  );
}
