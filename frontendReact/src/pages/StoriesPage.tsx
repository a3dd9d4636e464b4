import { type FormEvent, useState } from "react";
import { useGenerateStory, useProvider } from "../api/stories";
import type { FrameworkName, StoryRequest } from "../client/types.gen";
import { StoryCard } from "../components/StoryCard";
import { TextField } from "../components/TextField";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";

type Choice = FrameworkName | "all";
type Length = NonNullable<StoryRequest["length"]>;

/** Generate a story with one framework, or with all three side by side. */
export function StoriesPage() {
  const [primary, setPrimary] = useState("");
  const [secondary, setSecondary] = useState("");
  const [genre, setGenre] = useState("");
  const [length, setLength] = useState<Length>("short");
  const [choice, setChoice] = useState<Choice>("all");
  const [shown, setShown] = useState<FrameworkName[]>([]);
  const provider = useProvider();
  const mutations = {
    semantic_kernel: useGenerateStory("semantic_kernel"),
    langchain: useGenerateStory("langchain"),
    langgraph: useGenerateStory("langgraph"),
  };
  const running = FRAMEWORKS.some((framework) => mutations[framework].isPending);

  function submit(event: FormEvent): void {
    event.preventDefault();
    const body: StoryRequest = {
      primary_character: primary,
      secondary_character: secondary,
      length,
      ...(genre.trim() ? { genre: genre.trim() } : {}),
    };
    const targets = choice === "all" ? [...FRAMEWORKS] : [choice];
    FRAMEWORKS.forEach((framework) => mutations[framework].reset());
    setShown(targets);
    targets.forEach((framework) => mutations[framework].mutate(body));
  }

  return (
    <section className="flex flex-col gap-6">
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
              <input
                type="radio"
                name="framework"
                value={option}
                checked={choice === option}
                onChange={() => setChoice(option)}
              />
              {option === "all" ? "All three" : FRAMEWORK_LABELS[option]}
            </label>
          ))}
        </fieldset>
        <div className="flex items-center justify-between md:col-span-2">
          <span className="text-xs text-slate-500">
            {provider.data ? `Model: ${provider.data.model} (${provider.data.provider})` : ""}
          </span>
          <button
            type="submit"
            disabled={running}
            className="rounded bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-50"
          >
            {running ? "Generating…" : "Generate"}
          </button>
        </div>
      </form>
      {shown.length > 0 && (
        <div className={`grid gap-4 ${shown.length > 1 ? "lg:grid-cols-3" : ""}`}>
          {shown.map((framework) => {
            const mutation = mutations[framework];
            return (
              <StoryCard
                key={framework}
                framework={framework}
                story={mutation.data}
                pending={mutation.isPending}
                error={mutation.error ? mutation.error.message : null}
              />
            );
          })}
        </div>
      )}
    </section>
  );
}
