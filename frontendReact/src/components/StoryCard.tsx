import { useState } from "react";
import type { FrameworkName, FrameworkScores, LedgerCallOut, StoryFields } from "../client/types.gen";
import { FRAMEWORK_LABELS } from "../lib/frameworks";
import { ErrorNote } from "./ErrorNote";
import { JudgeScores } from "./JudgeScores";
import { LedgerCalls } from "./LedgerCalls";
import { StoryFigures } from "./StoryFigures";

interface StoryCardProps {
  framework: FrameworkName;
  story?: (StoryFields & { calls?: LedgerCallOut[] }) | undefined;
  pending?: boolean;
  error?: string | null;
  /** Text so far while the story is still being written. */
  streamingText?: string | null;
  /** The step running now (LangGraph: storyteller, then editor). */
  step?: string | null;
  /** Sent but nothing heard yet: the model is busy with another request. */
  queued?: boolean;
  /** The user stopped the generation. */
  stopped?: boolean;
  /** Shown as the card's heading (e.g. the story's characters), the framework then beside it. */
  title?: string | null;
  /** The judge's scores for this story, when its comparison was judged. */
  scores?: FrameworkScores | null;
  /** The judge ranked this story first. */
  winner?: boolean;
  /** The judge is scoring this story's comparison now. */
  judging?: boolean;
}

function download(story: StoryFields): void {
  const text = `${story.combined_characters} (${FRAMEWORK_LABELS[story.method]})\n\n${story.story}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = `story-${story.id}-${story.method}.txt`;
  link.click();
  URL.revokeObjectURL(url);
}

/** One framework's result: its story, its figures, copy and download. */
export function StoryCard({
  framework,
  story,
  pending = false,
  error = null,
  streamingText = null,
  step = null,
  queued = false,
  stopped = false,
  title = null,
  scores = null,
  winner = false,
  judging = false,
}: StoryCardProps) {
  const [copied, setCopied] = useState(false);

  async function copy(text: string): Promise<void> {
    await navigator.clipboard.writeText(text);
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  }

  return (
    <article
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
      data-testid={`story-card-${framework}`}
      aria-busy={pending}
    >
      <header className={`flex justify-between gap-3 ${title ? "items-start" : "items-center"}`}>
        {title ? (
          <div className="flex min-w-0 flex-col gap-1">
            <h2 className="break-words font-semibold" data-testid="story-card-title">
              {title}
            </h2>
            <span className="self-start rounded bg-slate-100 px-2 text-xs">{FRAMEWORK_LABELS[framework]}</span>
          </div>
        ) : (
          <h2 className="font-semibold">{FRAMEWORK_LABELS[framework]}</h2>
        )}
        {story?.cached && (
          <span
            className="shrink-0 rounded bg-sky-50 px-2 py-0.5 text-xs font-medium text-sky-800"
            data-testid="story-cached"
            title={`From the response cache: no model call, $0. It repeats transaction ${story.cached_from_guid ?? ""}.`}
          >
            Cached
          </span>
        )}
        {story && (
          <div className="flex shrink-0 gap-2 text-xs">
            <button type="button" className="rounded border border-slate-300 px-2 py-1" onClick={() => void copy(story.story)}>
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" className="rounded border border-slate-300 px-2 py-1" onClick={() => download(story)}>
              Download
            </button>
          </div>
        )}
      </header>
      {pending && (
        <p className="animate-pulse text-sm text-slate-500" data-testid="story-progress">
          {queued ? "Waiting for the model…" : step ? `${step === "editor" ? "Editing" : "Drafting"} (${step})…` : "Writing…"}
        </p>
      )}
      {!story && streamingText && (
        <p className="whitespace-pre-wrap text-sm leading-relaxed" data-testid="streaming-text">
          {streamingText}
        </p>
      )}
      {stopped && !story && (
        <p className="rounded bg-slate-100 p-2 text-sm text-slate-600" data-testid="story-stopped">
          Stopped.
        </p>
      )}
      <ErrorNote error={error} className="rounded bg-red-50 p-2 text-sm" />
      {story && (
        <>
          <p className="whitespace-pre-wrap text-sm leading-relaxed" data-testid="story-text">
            {story.story}
          </p>
          {scores && <JudgeScores scores={scores} winner={winner} />}
          {judging && !scores && (
            <p className="animate-pulse rounded border border-amber-200 bg-amber-50 p-2 text-sm" data-testid="judge-pending">
              The judge is scoring this story…
            </p>
          )}
          <StoryFigures story={story} calls={story.calls} />
          {story.calls && <LedgerCalls calls={story.calls} />}
        </>
      )}
    </article>
  );
}
