import { type FormEvent, useState } from "react";
import { readBriefsFile, usePlanEvaluation } from "../api/evaluations";
import type { EvaluationRunOut, FrameworkName, StoryBriefFields } from "../client/types.gen";
import { ErrorNote } from "../components/ErrorNote";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";

type Length = NonNullable<StoryBriefFields["length"]>;
interface BriefRow {
  primary_character: string;
  secondary_character: string;
  genre: string;
  length: Length | "";
}

const EMPTY: BriefRow = { primary_character: "", secondary_character: "", genre: "", length: "" };

function toRow(brief: StoryBriefFields): BriefRow {
  return {
    primary_character: brief.primary_character,
    secondary_character: brief.secondary_character,
    genre: brief.genre ?? "",
    length: brief.length ?? "",
  };
}

function toBrief(row: BriefRow): StoryBriefFields {
  return {
    primary_character: row.primary_character,
    secondary_character: row.secondary_character,
    ...(row.genre.trim() ? { genre: row.genre.trim() } : {}),
    ...(row.length ? { length: row.length } : {}),
  };
}

const input = "min-w-0 rounded border border-slate-300 px-2 py-1 text-sm";

/**
 * Plan an evaluation run: briefs typed here or read from a CSV/JSON file, the frameworks, how
 * many times each, how many at once, and whether the judge scores them. Planning spends
 * nothing: the run comes back with its worst-case cost, to be confirmed before it starts.
 */
export function PlanForm({ onPlanned }: { onPlanned: (run: EvaluationRunOut) => void }) {
  const [name, setName] = useState("Evaluation");
  const [rows, setRows] = useState<BriefRow[]>([{ ...EMPTY }]);
  const [frameworks, setFrameworks] = useState<FrameworkName[]>([...FRAMEWORKS]);
  const [repetitions, setRepetitions] = useState(1);
  const [concurrency, setConcurrency] = useState(2);
  const [judge, setJudge] = useState(true);
  const [fileError, setFileError] = useState<Error | null>(null);
  const plan = usePlanEvaluation();

  function update(index: number, change: Partial<BriefRow>): void {
    setRows((current) => current.map((row, at) => (at === index ? { ...row, ...change } : row)));
  }

  async function load(file: File | undefined): Promise<void> {
    if (!file) return;
    setFileError(null);
    try {
      setRows((await readBriefsFile(file)).map(toRow));
    } catch (caught) {
      setFileError(caught instanceof Error ? caught : new Error("The file could not be read."));
    }
  }

  function submit(event: FormEvent): void {
    event.preventDefault();
    plan.mutate({ name, briefs: rows.map(toBrief), frameworks, repetitions, concurrency, judge }, { onSuccess: (run) => onPlanned(run) });
  }

  const toggle = (framework: FrameworkName, on: boolean) =>
    setFrameworks((current) => FRAMEWORKS.filter((name) => (name === framework ? on : current.includes(name))));

  return (
    <form
      onSubmit={submit}
      className="flex flex-col gap-4 rounded-lg border border-slate-200 bg-white p-4"
      aria-label="Plan an evaluation run"
    >
      <label className="flex max-w-sm flex-col gap-1 text-sm">
        Run name
        <input className={input} value={name} maxLength={200} required onChange={(event) => setName(event.target.value)} />
      </label>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium">Briefs</legend>
        {rows.map((row, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
          <div key={index} className="grid grid-cols-2 gap-2 sm:grid-cols-[1fr_1fr_1fr_auto_auto]" data-testid="brief-row">
            <input
              className={input}
              aria-label={`Brief ${index + 1} primary character`}
              placeholder="Primary character"
              required
              maxLength={100}
              value={row.primary_character}
              onChange={(event) => update(index, { primary_character: event.target.value })}
            />
            <input
              className={input}
              aria-label={`Brief ${index + 1} secondary character`}
              placeholder="Secondary character"
              required
              maxLength={100}
              value={row.secondary_character}
              onChange={(event) => update(index, { secondary_character: event.target.value })}
            />
            <input
              className={input}
              aria-label={`Brief ${index + 1} genre`}
              placeholder="Genre (optional)"
              maxLength={50}
              value={row.genre}
              onChange={(event) => update(index, { genre: event.target.value })}
            />
            <select
              className={input}
              aria-label={`Brief ${index + 1} length`}
              value={row.length}
              onChange={(event) => update(index, { length: event.target.value as Length | "" })}
            >
              <option value="">Any length</option>
              <option value="short">Short</option>
              <option value="medium">Medium</option>
              <option value="long">Long</option>
            </select>
            <button
              type="button"
              className="rounded border border-slate-300 px-2 py-1 text-xs disabled:opacity-50"
              disabled={rows.length === 1}
              onClick={() => setRows(rows.filter((_, at) => at !== index))}
            >
              Remove
            </button>
          </div>
        ))}
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <button type="button" className="rounded border border-slate-300 px-3 py-1" onClick={() => setRows([...rows, { ...EMPTY }])}>
            Add brief
          </button>
          <label className="flex items-center gap-2">
            Load from a CSV or JSON file
            <input type="file" accept=".csv,.json" className="text-xs" onChange={(event) => void load(event.target.files?.[0])} />
          </label>
        </div>
        <p className="text-xs text-slate-500">
          A CSV needs a header row: primary_character, secondary_character, and optionally genre, length.
        </p>
        <ErrorNote error={fileError} className="rounded bg-red-50 p-2 text-sm" />
      </fieldset>
      <fieldset className="flex flex-wrap gap-4 text-sm">
        <legend className="mb-1 font-medium">Frameworks</legend>
        {FRAMEWORKS.map((framework) => (
          <label key={framework} className="flex items-center gap-1">
            <input type="checkbox" checked={frameworks.includes(framework)} onChange={(event) => toggle(framework, event.target.checked)} />
            {FRAMEWORK_LABELS[framework]}
          </label>
        ))}
      </fieldset>
      <div className="flex flex-wrap gap-4 text-sm">
        <label className="flex flex-col gap-1">
          Repetitions
          <input
            type="number"
            className={`${input} w-24`}
            min={1}
            max={10}
            value={repetitions}
            onChange={(event) => setRepetitions(Number(event.target.value))}
          />
        </label>
        <label className="flex flex-col gap-1">
          Stories at once
          <input
            type="number"
            className={`${input} w-24`}
            min={1}
            max={8}
            value={concurrency}
            onChange={(event) => setConcurrency(Number(event.target.value))}
          />
        </label>
        <label className="flex items-center gap-2 self-end">
          <input type="checkbox" checked={judge} onChange={(event) => setJudge(event.target.checked)} />
          Judge each brief's stories
        </label>
      </div>
      <div className="flex items-center justify-between gap-3">
        <span className="text-xs text-slate-500">
          {rows.length * Math.max(frameworks.length, 0) * repetitions} stories; nothing is spent until you confirm the planned cost.
        </span>
        <button
          type="submit"
          disabled={plan.isPending || frameworks.length === 0}
          className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-50"
        >
          {plan.isPending ? "Planning…" : "Plan run"}
        </button>
      </div>
      <ErrorNote error={plan.error} className="rounded bg-red-50 p-2 text-sm" />
    </form>
  );
}
