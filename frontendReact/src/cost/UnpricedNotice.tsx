import type { Unpriced } from "../client/types.gen";
import { formatCount } from "./format";

/** Calls whose model has no known price count as $0: say so, name the models, say how to price them. */
export function UnpricedNotice({ unpriced }: { unpriced: Unpriced }) {
  if (unpriced.requests === 0) return null;
  return (
    <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="unpriced">
      <p>
        <strong>
          {formatCount(unpriced.requests)} {unpriced.requests === 1 ? "call has" : "calls have"} no known price
        </strong>{" "}
        and {unpriced.requests === 1 ? "is" : "are"} counted at $0, so the spend shown is too low. Models:{" "}
        {unpriced.models.map((model, index) => (
          <span key={model}>
            {index > 0 && ", "}
            <code className="break-all">{model}</code>
          </span>
        ))}
        .
      </p>
      {unpriced.hint && <p className="mt-1 break-words text-xs">{unpriced.hint}</p>}
    </div>
  );
}
