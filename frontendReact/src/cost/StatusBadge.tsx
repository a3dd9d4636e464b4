/**
 * A ledger call's status; anything but ok stands out, with the HTTP status when there was one.
 * `cached` is no call at all: an answer from the response cache, at $0.
 */
export function StatusBadge({ status, httpStatus }: { status: string; httpStatus: number | null }) {
  const ok = status === "ok";
  const tone = ok
    ? "bg-emerald-50 text-emerald-800"
    : status === "in_flight"
      ? "bg-slate-100 text-slate-700"
      : status === "cached"
        ? "bg-sky-50 text-sky-800"
        : "bg-red-100 text-red-800";
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${tone}`} data-status={status}>
      {status.replace("_", " ")}
      {httpStatus !== null && !ok && ` · ${httpStatus}`}
    </span>
  );
}
