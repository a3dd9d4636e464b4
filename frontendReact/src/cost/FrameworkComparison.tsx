import type { UnitCost } from "../client/types.gen";
import { FRAMEWORKS, frameworkColor, frameworkLabel } from "../lib/frameworks";
import { formatCount, formatLatency, formatUsd } from "./format";

type Best = "cheapest" | "fastest" | "leanest";

/** Which frameworks hold the lowest median cost, latency and tokens (ties all win; needs two to compare). */
export function bestOf(units: UnitCost[]): Map<string, Best[]> {
  const compared = units.filter((unit) => unit.units > 0);
  const result = new Map<string, Best[]>(compared.map((unit) => [unit.key, []]));
  if (compared.length < 2) return result;
  const pickLowest = (badge: Best, value: (unit: UnitCost) => number | null) => {
    const values = compared.map(value).filter((found): found is number => found !== null);
    if (values.length < 2) return;
    const lowest = Math.min(...values);
    for (const unit of compared) if (value(unit) === lowest) result.get(unit.key)?.push(badge);
  };
  pickLowest("cheapest", (unit) => unit.median_cost_usd);
  pickLowest("fastest", (unit) => unit.median_latency_ms);
  pickLowest("leanest", (unit) => unit.median_tokens);
  return result;
}

/** One sentence for the answer the page exists to give: who costs most per story, against the cheapest. */
export function verdict(units: UnitCost[]): string | null {
  const priced = units.filter((unit) => unit.units > 0 && unit.median_cost_usd !== null);
  if (priced.length < 2) return null;
  const byCost = [...priced].sort((a, b) => (b.median_cost_usd ?? 0) - (a.median_cost_usd ?? 0));
  const dearest = byCost[0];
  const cheapest = byCost.at(-1);
  if (!dearest || !cheapest || dearest.median_cost_usd === cheapest.median_cost_usd) {
    return "Every framework costs the same per story in this period.";
  }
  const ratio = (dearest.median_cost_usd ?? 0) / (cheapest.median_cost_usd ?? 0);
  const times = Number.isFinite(ratio)
    ? `, ${ratio.toFixed(1)}× ${frameworkLabel(cheapest.key)}'s ${formatUsd(cheapest.median_cost_exact)}`
    : "";
  const tokens =
    dearest.median_tokens !== null && cheapest.median_tokens !== null
      ? ` It uses ${formatCount(dearest.median_tokens)} tokens per story against ${formatCount(cheapest.median_tokens)}.`
      : "";
  return `${frameworkLabel(dearest.key)} costs the most per story: ${formatUsd(dearest.median_cost_exact)} (median)${times}.${tokens}`;
}

const BADGE_TEXT: Record<Best, string> = { cheapest: "cheapest", fastest: "fastest", leanest: "fewest tokens" };

function order(units: UnitCost[]): UnitCost[] {
  const rank = (key: string) => {
    const index = FRAMEWORKS.indexOf(key as (typeof FRAMEWORKS)[number]);
    return index < 0 ? FRAMEWORKS.length : index;
  };
  return [...units].sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
}

/** Per framework, what one story costs, how long it takes and how many tokens it uses (medians). */
export function FrameworkComparison({ frameworks }: { frameworks: UnitCost[] }) {
  const units = order(frameworks.filter((unit) => unit.units > 0));
  const best = bestOf(units);
  return (
    <section aria-labelledby="comparison-title" className="flex min-w-0 flex-col gap-2 rounded-lg border border-slate-200 bg-white p-3">
      <h3 id="comparison-title" className="font-semibold">
        Framework comparison <span className="text-sm font-normal text-slate-500">per story, medians</span>
      </h3>
      {verdict(units) && (
        <p className="text-sm" data-testid="comparison-verdict">
          {verdict(units)}
        </p>
      )}
      {units.length === 0 ? (
        <p className="text-sm text-slate-500">No stories in this period: generate one with each framework to compare them.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm tabular-nums" data-testid="framework-comparison">
            <thead className="border-b border-slate-200 text-xs text-slate-600">
              <tr>
                {["Framework", "Stories", "Cost", "Latency", "Tokens"].map((name, index) => (
                  <th key={name} scope="col" className={`px-2 py-1 font-medium ${index === 0 ? "text-left" : "text-right"}`}>
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {units.map((unit) => {
                const badges = best.get(unit.key) ?? [];
                const marked = (badge: Best) => (badges.includes(badge) ? "font-semibold text-emerald-700" : "");
                return (
                  <tr key={unit.key} className="border-b border-slate-100 align-top last:border-0" data-testid={`comparison-${unit.key}`}>
                    <th scope="row" className="px-2 py-1 text-left font-normal">
                      <span className="flex items-center gap-1.5 whitespace-nowrap">
                        <span
                          aria-hidden="true"
                          className="inline-block h-2.5 w-2.5 shrink-0 rounded-sm"
                          style={{ backgroundColor: frameworkColor(unit.key) }}
                        />
                        {frameworkLabel(unit.key)}
                      </span>
                      {badges.length > 0 && (
                        <span className="mt-0.5 flex flex-wrap gap-1">
                          {badges.map((badge) => (
                            <span key={badge} className="whitespace-nowrap rounded bg-emerald-50 px-1.5 text-xs text-emerald-700">
                              {BADGE_TEXT[badge]}
                            </span>
                          ))}
                        </span>
                      )}
                    </th>
                    <td className="px-2 py-1 text-right">{formatCount(unit.units)}</td>
                    <td className={`px-2 py-1 text-right ${marked("cheapest")}`}>{formatUsd(unit.median_cost_exact)}</td>
                    <td className={`whitespace-nowrap px-2 py-1 text-right ${marked("fastest")}`}>
                      {formatLatency(unit.median_latency_ms)}
                      <span className="block text-xs font-normal text-slate-500">p95 {formatLatency(unit.p95_latency_ms)}</span>
                    </td>
                    <td className={`px-2 py-1 text-right ${marked("leanest")}`}>
                      {unit.median_tokens === null ? "—" : formatCount(unit.median_tokens)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
