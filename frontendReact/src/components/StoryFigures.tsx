import type { LedgerCallOut, StoryFields } from "../client/types.gen";
import { formatCost, formatMs } from "../lib/format";

/** Model time vs waiting: on a one-request-at-a-time model, "all three" queue behind each other. */
function timing(story: StoryFields): [string, string][] {
  if (story.model_time_ms === null || story.model_time_ms === undefined) return [];
  const waiting = Math.max(0, story.generation_time_ms - story.model_time_ms);
  return [
    ["Model time", formatMs(story.model_time_ms)],
    ["Waiting", formatMs(waiting)],
  ];
}

/**
 * The numbers that make frameworks comparable: time, tokens, cost, model and GUID. When any of
 * the story's provider calls had its tokens estimated (the provider did not report usage), the
 * token figure says so.
 */
export function StoryFigures({ story, calls = [] }: { story: StoryFields; calls?: readonly Pick<LedgerCallOut, "tokens_estimated">[] }) {
  const estimated = calls.some((call) => call.tokens_estimated);
  const rows: [string, string][] = [
    ["Time", formatMs(story.generation_time_ms)],
    ...timing(story),
    ["Tokens in / out", `${story.input_tokens} / ${story.output_tokens}${estimated ? " (est.)" : ""}`],
    ["Cost", formatCost(story.estimated_cost_usd)],
    ["Model", story.model],
    ["Provider", story.provider],
  ];
  return (
    <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-xs text-slate-600">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="font-medium">{label}</dt>
          <dd data-testid={`figure-${label}`}>{value}</dd>
        </div>
      ))}
      <dt className="font-medium">Transaction</dt>
      <dd className="truncate font-mono" title={story.transaction_guid}>
        {story.transaction_guid}
      </dd>
      {story.cached_from_guid && (
        <>
          <dt className="font-medium">Cached from</dt>
          <dd className="truncate font-mono" title={story.cached_from_guid} data-testid="figure-Cached from">
            {story.cached_from_guid}
          </dd>
        </>
      )}
    </dl>
  );
}
