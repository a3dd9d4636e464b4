import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { forgetConversation, useConversation, useConversations, useDeleteConversation, useRename } from "../api/chat";
import { ApiError } from "../api/client";
import type { FrameworkName } from "../client/types.gen";
import { AnswerVersions } from "../components/AnswerVersions";
import { ChatMessageView } from "../components/ChatMessageView";
import { toThread } from "../components/chatThread";
import { ErrorNote } from "../components/ErrorNote";
import { useChatRuns, useGenerationsStore } from "../generations/GenerationsProvider";
import type { ChatRun } from "../generations/runs";
import { FRAMEWORK_LABELS, FRAMEWORKS } from "../lib/frameworks";
import { usePageTitle } from "../lib/usePageTitle";

const TITLE_MAX = 200;

function errorText(error: Error): string {
  if (error instanceof ApiError && error.details.length > 0) {
    return `${error.message} ${error.details.map((detail) => detail.message).join(" ")}`;
  }
  return error.message;
}

/** Talk to any framework; switch framework for any message; the conversation is kept. */
export function ChatPage() {
  usePageTitle("Chat");
  const store = useGenerationsStore();
  const runs = useChatRuns();
  const [searchParams, setSearchParams] = useSearchParams();
  const activeParam = Number(searchParams.get("conversation"));
  const activeId = Number.isInteger(activeParam) && activeParam > 0 ? activeParam : null;
  const [search, setSearch] = useState("");
  const [framework, setFramework] = useState<FrameworkName>(() => runs[runs.length - 1]?.framework ?? "langchain");
  const [draft, setDraft] = useState("");
  const [renaming, setRenaming] = useState<string | null>(null);
  const conversations = useConversations(search);
  const conversation = useConversation(activeId);
  const rename = useRename();
  const remove = useDeleteConversation();
  const queryClient = useQueryClient();
  const [deletedId, setDeletedId] = useState<number | null>(null);

  const running = runs.find((run) => run.running) ?? null;
  // The turn shown in this view: the newest one sent to this conversation (or to "new chat").
  const shown: ChatRun | null =
    [...runs].reverse().find((run) => (activeId === null ? run.origin === null && !run.adopted : run.conversationId === activeId)) ?? null;

  function open(id: number | null): void {
    setRenaming(null);
    rename.reset();
    setSearchParams(id === null ? {} : { conversation: String(id) });
  }

  // A new chat's first answer names its conversation: follow it there, once.
  useEffect(() => {
    if (activeId === null && shown && shown.conversationId !== null && !shown.adopted) {
      store.adopt(shown.id);
      setSearchParams({ conversation: String(shown.conversationId) }, { replace: true });
    }
  }, [activeId, shown, store, setSearchParams]);

  // Once the page has left a deleted conversation, drop its cached copy rather than refetch it.
  useEffect(() => {
    if (deletedId === null || deletedId === activeId) return;
    forgetConversation(queryClient, deletedId);
    setDeletedId(null);
  }, [deletedId, activeId, queryClient]);

  function send(event: FormEvent): void {
    event.preventDefault();
    const message = draft.trim();
    if (!message || running) return; // one turn at a time: Enter while streaming sends nothing
    setDraft("");
    store.startChat(framework, message, activeId);
  }

  function saveTitle(event: FormEvent): void {
    event.preventDefault();
    const title = renaming?.trim();
    if (!title || activeId === null) return;
    rename.mutate({ id: activeId, title }, { onSuccess: () => setRenaming(null) });
  }

  const messages = conversation.data && conversation.data.id === activeId ? conversation.data.messages : [];
  const lastIsAnswer = messages.length > 0 && messages[messages.length - 1]?.role === "assistant";
  const lane = shown?.lanes[0] ?? null;
  // Keep showing a finished answer until the refreshed conversation holds it.
  const answerStored = lane?.result ? messages.some((message) => message.id === lane.result?.message_id) : false;
  const showRun = shown !== null && lane !== null && !answerStored;
  const questionStored =
    messages.length > 0 && messages[messages.length - 1]?.role === "user" && messages[messages.length - 1]?.content === shown?.question;
  const thread = toThread(messages);
  const lastItem = thread[thread.length - 1];
  const lastQuestion = [...messages].reverse().find((message) => message.role === "user")?.content ?? "";
  // A regenerated answer streams in as the newest version of the last answer.
  const regenerating = showRun && shown.mode === "regenerate" ? lane : null;
  // A new turn that was stopped or failed before its answer was saved is shown under the saved
  // answers: Regenerate there would rewrite the answer above it, not this turn, so it is not offered.
  const unansweredTurn = showRun && shown.mode === "send" && (lane.phase === "stopped" || lane.phase === "failed");
  const pendingVersion =
    regenerating && lastItem?.kind === "answer" && regenerating.phase !== "failed" && regenerating.phase !== "stopped"
      ? (regenerating.result?.response ?? (regenerating.text || "…"))
      : null;

  return (
    <section className="flex flex-col gap-4">
      <h2 className="text-xl font-semibold">Chat</h2>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-[16rem_minmax(0,1fr)]">
        <aside className="flex flex-col gap-2">
          <button type="button" className="rounded bg-indigo-600 px-3 py-1 text-sm text-white" onClick={() => open(null)}>
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
                  onClick={() => open(item.id)}
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
            <header className="flex flex-col gap-1 text-sm">
              {renaming === null ? (
                <div className="flex items-center gap-2">
                  <span className="font-semibold" data-testid="conversation-title">
                    {conversation.data.title}
                  </span>
                  <button
                    type="button"
                    className="text-xs underline"
                    onClick={() => {
                      rename.reset();
                      setRenaming(conversation.data.title.slice(0, TITLE_MAX));
                    }}
                  >
                    Rename
                  </button>
                  <button
                    type="button"
                    className="ml-auto text-xs text-red-700 underline"
                    onClick={() => {
                      if (window.confirm("Delete this conversation?")) {
                        remove.mutate(activeId, {
                          onSuccess: (_, id) => {
                            setDeletedId(id);
                            open(null);
                          },
                        });
                      }
                    }}
                  >
                    Delete
                  </button>
                </div>
              ) : (
                <form className="flex items-center gap-2" onSubmit={saveTitle}>
                  <input
                    aria-label="Conversation title"
                    className="flex-1 rounded border border-slate-300 px-2 py-1"
                    value={renaming}
                    maxLength={TITLE_MAX}
                    // biome-ignore lint/a11y/noAutofocus: the field appears because the user pressed Rename; focus belongs in it
                    autoFocus
                    onChange={(event) => setRenaming(event.target.value)}
                    onKeyDown={(event) => {
                      if (event.key === "Escape") setRenaming(null);
                    }}
                  />
                  <button
                    type="submit"
                    className="rounded bg-indigo-600 px-3 py-1 text-xs text-white disabled:opacity-50"
                    disabled={!renaming.trim() || rename.isPending}
                  >
                    Save
                  </button>
                  <button type="button" className="text-xs underline" onClick={() => setRenaming(null)}>
                    Cancel
                  </button>
                </form>
              )}
              {rename.error && <ErrorNote error={errorText(rename.error)} className="text-xs" />}
              {remove.error && <ErrorNote error={errorText(remove.error)} className="text-xs" />}
            </header>
          )}
          <div className="flex flex-1 flex-col gap-2" data-testid="messages">
            {thread.map((item) =>
              item.kind === "message" ? (
                <ChatMessageView key={item.message.id} message={item.message} />
              ) : (
                <AnswerVersions
                  key={`answer-${item.replyTo}`}
                  versions={item.versions}
                  pending={item === lastItem ? pendingVersion : null}
                />
              ),
            )}
            {showRun && (
              <>
                {shown.mode === "send" && !questionStored && <ChatMessageView message={{ role: "user", content: shown.question }} />}
                {pendingVersion === null && (lane.phase === "queued" || lane.phase === "writing" || lane.text || lane.result) && (
                  <ChatMessageView message={{ role: "assistant", content: lane.result?.response ?? (lane.text || "…") }} />
                )}
                {lane.phase === "stopped" && (
                  <p className="text-sm text-slate-500" data-testid="chat-stopped">
                    Stopped.
                  </p>
                )}
                {lane.phase === "failed" && <ErrorNote error={lane.error} />}
              </>
            )}
            {messages.length === 0 && !showRun && <p className="text-sm text-slate-500">Ask anything to start a conversation.</p>}
          </div>
          <form onSubmit={send} className="flex flex-col gap-2">
            <textarea
              aria-label="Message"
              className="min-h-[4rem] rounded border border-slate-300 bg-white px-2 py-1 text-sm"
              value={draft}
              maxLength={16000}
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Enter" && !event.shiftKey) {
                  event.preventDefault();
                  if (!running) event.currentTarget.form?.requestSubmit();
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
              {lastIsAnswer && activeId !== null && !unansweredTurn && (
                <button
                  type="button"
                  className="rounded border border-slate-300 px-3 py-1 text-sm disabled:opacity-50"
                  disabled={running !== null}
                  onClick={() => store.startRegenerate(framework, activeId, lastQuestion)}
                >
                  {running?.mode === "regenerate" && running === shown ? "Regenerating…" : "Regenerate"}
                </button>
              )}
              {running && running === shown ? (
                <button
                  type="button"
                  className="ml-auto rounded border border-slate-300 px-4 py-1 text-sm"
                  onClick={() => store.stop(running.id)}
                >
                  Stop
                </button>
              ) : (
                <>
                  {running && <span className="ml-auto text-xs text-slate-500">Another conversation is still answering…</span>}
                  <button
                    type="submit"
                    disabled={running !== null || !draft.trim()}
                    className={`${running ? "" : "ml-auto "}rounded bg-indigo-600 px-4 py-1 text-sm text-white disabled:opacity-50`}
                  >
                    Send
                  </button>
                </>
              )}
            </div>
          </form>
        </div>
      </div>
    </section>
  );
}
