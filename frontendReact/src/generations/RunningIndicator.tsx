import { useState } from "react";
import { Link } from "react-router";
import { useGenerations } from "./GenerationsProvider";
import { describeRun, pathOf } from "./store";

/** "2 running": the generations still going, each linking to the page where it lands. */
export function RunningIndicator() {
  const { runs } = useGenerations();
  const [open, setOpen] = useState(false);
  const running = runs.filter((run) => run.running);
  if (running.length === 0) return null;
  return (
    <div className="relative" data-testid="running-indicator">
      <button
        type="button"
        className="flex items-center gap-1 rounded-full bg-indigo-50 px-3 py-1 text-xs font-medium text-indigo-700"
        aria-expanded={open}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="h-2 w-2 animate-pulse rounded-full bg-indigo-600" aria-hidden="true" />
        {running.length} running
      </button>
      {open && (
        <ul className="absolute right-0 z-40 mt-1 w-72 rounded-lg border border-slate-200 bg-white p-2 text-sm shadow-lg">
          {running.map((run) => (
            <li key={run.id}>
              <Link to={pathOf(run)} className="block truncate rounded px-2 py-1 hover:bg-slate-100" onClick={() => setOpen(false)}>
                {describeRun(run)}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
