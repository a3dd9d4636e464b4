import { useState } from "react";
import { Link } from "react-router";
import { useGenerations } from "./GenerationsProvider";
import { describeRun, pathOf } from "./runs";

/**
 * "2 running": the generations still going, each linking to the page where it lands.
 *
 * The list hangs from the nearest positioned ancestor (the header's right-hand group, which ends
 * at the page's right margin), not from this button, which can sit anywhere in that group: so it
 * is right-aligned to the page and, capped at the viewport's width less its margins, never runs
 * past either edge of the screen.
 */
export function RunningIndicator() {
  const { runs } = useGenerations();
  const [open, setOpen] = useState(false);
  const running = runs.filter((run) => run.running);
  if (running.length === 0) return null;
  return (
    <div data-testid="running-indicator">
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
        <ul
          className="absolute top-full right-0 z-40 mt-1 w-72 max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 bg-white p-2 text-sm shadow-lg"
          data-testid="running-list"
        >
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
