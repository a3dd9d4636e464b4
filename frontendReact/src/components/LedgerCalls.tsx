import type { LedgerCallOut } from "../client/types.gen";
import { formatCost, formatMs } from "../lib/format";

/** The provider calls behind a story, one row each (LangGraph's nodes, retried attempts). */
export function LedgerCalls({ calls }: { calls: LedgerCallOut[] }) {
  if (calls.length === 0) return null;
  return (
    <table className="w-full text-left text-xs text-slate-600" data-testid="ledger-calls">
      <thead>
        <tr className="border-b border-slate-200">
          <th className="py-1 font-medium">Step</th>
          <th className="font-medium">Attempt</th>
          <th className="font-medium">Status</th>
          <th className="font-medium">Tokens in / out</th>
          <th className="font-medium">Latency</th>
          <th className="font-medium">Cost</th>
        </tr>
      </thead>
      <tbody>
        {calls.map((call) => (
          <tr key={call.id}>
            <td className="py-0.5">{call.step ?? "—"}</td>
            <td>{call.attempt}</td>
            <td>{call.status}</td>
            <td>
              {call.input_tokens} / {call.output_tokens}
              {call.tokens_estimated ? " (est.)" : ""}
            </td>
            <td>{formatMs(call.latency_ms)}</td>
            <td>{formatCost(call.cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
