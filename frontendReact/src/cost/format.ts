// Figures on the cost page. Money arrives as exact decimal strings and is shown exactly:
// trailing zeros dropped, never rounded to cents (a story on a small model costs fractions of one).

const grouping = new Intl.NumberFormat("en-US");

/** "0.001332000" → "$0.001332"; "1234.5" → "$1,234.50"; null → "—". */
export function formatUsd(exact: string | null | undefined): string {
  if (exact === null || exact === undefined || exact === "") return "—";
  if (!/^-?\d+(\.\d+)?$/.test(exact)) {
    const value = Number(exact); // e.g. "0E-9": not the plain form the API sends, but still a number
    return Number.isFinite(value) ? formatUsd(value.toFixed(9)) : "—";
  }
  const negative = exact.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? exact.slice(1) : exact).split(".");
  const trimmed = fraction.replace(/0+$/, "").padEnd(2, "0");
  return `${negative ? "-" : ""}$${grouping.format(BigInt(whole || "0"))}.${trimmed}`;
}

/** A dollar amount the API gives only as a float (a ledger row), shown to the nano-dollar. */

/** A float dollar amount (chart axes, tooltips), to six decimals at most. */
export function formatUsdApprox(usd: number): string {
  if (usd === 0) return "$0";
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: usd < 1 ? 6 : 2 })}`;
}

export function formatCount(value: number): string {
  return grouping.format(value);
}

/** A fraction as a percentage: 0.0333 → "3.3%", 1 → "100%". */
export function formatPercent(fraction: number): string {
  const percent = fraction * 100;
  if (percent === 0) return "0%";
  if (percent < 0.1) return "<0.1%";
  return `${Number(percent.toFixed(1))}%`;
}

/** Failed calls over all calls, or "—" with no calls. */
export function failureRate(failed: number, total: number): string {
  return total === 0 ? "—" : formatPercent(failed / total);
}

export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** A ledger time in UTC, to the second: "2026-11-24 19:03:12". */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 19).replace("T", " ");
}
