import { type FormEvent, useEffect, useRef, useState } from "react";
import { streamChat, useConversation, useConversations, useDeleteConversation, useInvalidateChat, useRegenerate, useRename } from "../api/chat";
import type { FrameworkName } from "../client/types.gen";
import { ChatMessageView } from "../components/ChatMessageView";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";

interface Pending {
  question: string;
  answer: string;
}

/** Talk to any framework; switch framework for any message; the conversation is kept. */
export function ChatPage() {
  const [search, setSearch] = useState("");
  const [activeId, setActiveId] = useState<number | null>(null);
  const [framework, setFramework] = useState<FrameworkName>("langchain");
  const [draft, setDraft] = useState("");
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const conversations = useConversations(search);
  const conversation = useConversation(activeId);
  const invalidate = useInvalidateChat();
  const regenerate = useRegenerate();
  const rename = useRename();
  const remove = useDeleteConversation();

  useEffect(() => () => abort.current?.abort(), []);

  async function send(event: FormEvent): Promise<void> {
    event.preventDefault();
    const message = draft.trim();
    if (!message) return;
    setDraft("");
    setError(null);
    setPending({ question: message, answer: "" });
    abort.current = new AbortController();
    let conversationId = activeId;
    await streamChat(
      framework,
      { message, conversation_id: activeId },
      (update) => {
        if (update.event === "token") setPending((current) => current && { ...current, answer: current.answer + update.text });
        else if (update.event === "done") conversationId = update.chat.conversation_id;
        else setError(update.message);
      },
      abort.current.signal,
    );
    setActiveId(conversationId);
    invalidate();
    setPending(null);
  }

  const messages = conversation.data && conversation.data.id === activeId ? conversation.data.messages : [];
  const lastIsAnswer = messages.length > 0 && messages[messages.length - 1]?.role === "assistant";

  return (
    <section className="grid gap-4 md:grid-cols-[16rem_1fr]">
      <aside className="flex flex-col gap-2">
        <button type="button" className="rounded bg-indigo-600 px-3 py-1 text-sm text-white" onClick={() => setActiveId(null)}>
          New chat
        </button>
        <input
          aria-label="Search conversations"
          placeholder="Search…"
          className="rounded border border-slate-300 px-2 py-1 text-sm"
          value={search}
          maxLength={200}
          onChange={(event) => setSearch(event.target.value)}
        />
        <ul className="flex flex-col gap-1" data-testid="conversations">
          {conversations.data?.conversations.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                onClick={() => setActiveId(item.id)}
                className={`w-full rounded px-2 py-1 text-left text-sm ${item.id === activeId ? "bg-indigo-100" : "hover:bg-slate-100"}`}
              >
                <span className="block truncate font-medium">{item.title}</span>
                <span className="block truncate text-xs text-slate-500">
                  {item.message_count} messages · {item.last_message_preview}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <div className="flex min-h-[24rem] flex-col gap-3 rounded-lg border border-slate-200 bg-slate-50 p-3">
        {conversation.data && activeId !== null && (
          <header className="flex items-center gap-2 text-sm">
            <span className="font-semibold" data-testid="conversation-title">{conversation.data.title}</span>
            <button
              type="button"
              className="text-xs underline"
              onClick={() => {
                const title = window.prompt("Rename conversation", conversation.data.title);
                if (title?.trim()) rename.mutate({ id: activeId, title: title.trim() });
              }}
            >
              Rename
            </button>
            <button
              type="button"
              className="ml-auto text-xs text-red-700 underline"
              onClick={() => {
                if (window.confirm("Delete this conversation?")) {
                  remove.mutate(activeId, { onSuccess: () => setActiveId(null) });
                }
              }}
            >
              Delete
            </button>
          </header>
        )}
        <div className="flex flex-1 flex-col gap-2" data-testid="messages">
          {messages.map((message) => (
            <ChatMessageView key={message.id} message={message} />
          ))}
          {pending && (
            <>
              <ChatMessageView message={{ role: "user", content: pending.question }} />
              <ChatMessageView message={{ role: "assistant", content: pending.answer || "…" }} />
            </>
          )}
          {messages.length === 0 && !pending && <p className="text-sm text-slate-500">Ask anything to start a conversation.</p>}
        </div>
        {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
        {regenerate.error && <p role="alert" className="text-sm text-red-700">{regenerate.error.message}</p>}
        <form onSubmit={(event) => void send(event)} className="flex flex-col gap-2">
          <textarea
            aria-label="Message"
            className="min-h-[4rem] rounded border border-slate-300 bg-white px-2 py-1 text-sm"
            value={draft}
            maxLength={16000}
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <div className="flex items-center gap-2">
            <select
              aria-label="Framework"
              className="rounded border border-slate-300 px-2 py-1 text-sm"
              value={framework}
              onChange={(event) => setFramework(event.target.value as FrameworkName)}
            >
              {FRAMEWORKS.map((name) => (
                <option key={name} value={name}>
                  {FRAMEWORK_LABELS[name]}
                </option>
              ))}
            </select>
            {lastIsAnswer && activeId !== null && (
              <button
                type="button"
                className="rounded border border-slate-300 px-3 py-1 text-sm"
                disabled={regenerate.isPending || pending !== null}
                onClick={() => regenerate.mutate({ id: activeId, framework })}
              >
                Regenerate
              </button>
            )}
            <button type="submit" disabled={pending !== null || !draft.trim()} className="ml-auto rounded bg-indigo-600 px-4 py-1 text-sm text-white disabled:opacity-50">
              Send
            </button>
          </div>
        </form>
      </div>
    </section>
  );
}
