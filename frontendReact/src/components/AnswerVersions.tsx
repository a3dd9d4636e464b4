import { useState } from "react";
import type { MessageOut } from "../client/types.gen";
import { ChatMessageView } from "./ChatMessageView";

/** One answer with its versions (regenerations): "‹ 2 / 2 ›", the newest shown first. */
export function AnswerVersions({ versions, pending = null }: { versions: MessageOut[]; pending?: string | null }) {
  // The version picked, and how many there were then: a newer version arriving shows itself.
  const [picked, setPicked] = useState<{ index: number; count: number } | null>(null);
  // A version being written now (regenerate) counts as the newest.
  const all: Pick<MessageOut, "role" | "content">[] = pending === null ? versions : [...versions, { role: "assistant", content: pending }];
  const count = all.length;
  const index = picked && picked.count === count ? picked.index : count - 1;
  const message = all[index];
  if (!message) return null;
  return (
    <div className="flex flex-col gap-1">
      <ChatMessageView key={index} message={message} />
      {count > 1 && (
        <div className="flex items-center gap-2 text-xs text-slate-500" data-testid="answer-versions">
          <button
            type="button"
            aria-label="Previous version"
            disabled={index === 0}
            className="px-1 disabled:opacity-40"
            onClick={() => setPicked({ index: index - 1, count })}
          >
            ‹
          </button>
          <span>
            {index + 1} / {count}
          </span>
          <button
            type="button"
            aria-label="Next version"
            disabled={index === count - 1}
            className="px-1 disabled:opacity-40"
            onClick={() => setPicked({ index: index + 1, count })}
          >
            ›
          </button>
        </div>
      )}
    </div>
  );
}
