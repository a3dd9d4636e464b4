// Group a conversation's messages into a thread: assistant messages that answer the same user
// message (same reply_to_id) are versions of one answer, oldest first.

export interface ThreadMessage {
  id: number;
  role: string;
  reply_to_id?: number | null;
}

export type ThreadItem<T extends ThreadMessage> = { kind: "message"; message: T } | { kind: "answer"; replyTo: number; versions: T[] };

export function toThread<T extends ThreadMessage>(messages: readonly T[]): ThreadItem<T>[] {
  const items: ThreadItem<T>[] = [];
  const answers = new Map<number, { kind: "answer"; replyTo: number; versions: T[] }>();
  for (const message of messages) {
    const replyTo = message.role === "assistant" ? message.reply_to_id : null;
    if (replyTo === null || replyTo === undefined) {
      items.push({ kind: "message", message });
      continue;
    }
    const existing = answers.get(replyTo);
    if (existing) {
      existing.versions.push(message);
    } else {
      const item = { kind: "answer" as const, replyTo, versions: [message] };
      answers.set(replyTo, item);
      items.push(item);
    }
  }
  return items;
}
