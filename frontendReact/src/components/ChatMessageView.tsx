import { useState } from "react";
import type { MessageOut } from "../client/types.gen";
import { formatCost, formatMs } from "../lib/format";
import { FRAMEWORK_LABELS } from "../lib/frameworks";
import { MarkdownText } from "./MarkdownText";

/** One message. Answers render as Markdown (raw HTML in model output is never rendered). */
export function ChatMessageView({ message }: { message: Pick<MessageOut, "role" | "content"> & Partial<MessageOut> }) {
  const [copied, setCopied] = useState(false);
  const mine = message.role === "user";
  return (
    <div className={`flex ${mine ? "justify-end" : "justify-start"}`} data-testid={`message-${message.role}`}>
      <div className={`max-w-[80%] rounded-lg px-3 py-2 text-sm ${mine ? "bg-indigo-600 text-white" : "border border-slate-200 bg-white"}`}>
        {mine ? <p className="whitespace-pre-wrap">{message.content}</p> : <MarkdownText text={message.content} />}
        {!mine && (
          <div className="mt-1 flex flex-wrap items-center gap-3 text-xs text-slate-500">
            {message.method && <span>{FRAMEWORK_LABELS[message.method]}</span>}
            {message.total_tokens !== undefined && <span>{message.total_tokens} tokens</span>}
            {message.estimated_cost_usd !== undefined && <span>{formatCost(message.estimated_cost_usd)}</span>}
            {message.generation_time_ms != null && <span>{formatMs(message.generation_time_ms)}</span>}
            <button
              type="button"
              className="underline"
              onClick={() => {
                void navigator.clipboard.writeText(message.content);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
