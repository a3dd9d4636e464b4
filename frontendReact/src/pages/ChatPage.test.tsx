import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorResponse, liveSse, sseFrame, sseResponse } from "../api/sseTesting";
import { renderWithProviders, stubApi } from "../test-utils";
import { ChatPage } from "./ChatPage";

const base = {
  model: "m",
  provider: "p",
  input_tokens: 5,
  output_tokens: 7,
  total_tokens: 12,
  estimated_cost_usd: 0,
  generation_time_ms: 10,
  transaction_guid: "g",
  created_at: "2026-11-24T09:00:00Z",
  calls: [],
};

const CREATED = "2026-11-24T09:00:00Z";

/** The API of one saved conversation: the list that shows it, and the conversation with `messages`. */
function savedConversation(id: number, title: string, messages: object[]) {
  const conversation = { id, title, method: "langchain", created_at: CREATED, updated_at: CREATED };
  const summary = { ...conversation, message_count: messages.length, last_message_preview: "" };
  return {
    "GET /api/chat/conversations": () => ({ conversations: [summary], total: 1, skip: 0, limit: 50 }),
    [`GET /api/chat/conversations/${id}`]: () => ({ ...conversation, messages }),
  };
}

/** "Hi", and its first answer. */
const greeting = () => [
  { ...base, id: 1, role: "user", content: "Hi", method: null, reply_to_id: null },
  { ...base, id: 2, role: "assistant", content: "First answer", method: "langchain", reply_to_id: 1 },
];

afterEach(() => vi.unstubAllGlobals());

describe("ChatPage", () => {
  it("streams an answer, stays on the conversation, and renders Markdown safely", async () => {
    const messages: object[] = [];
    const requests = stubApi({
      "GET /api/chat/conversations": () => ({ conversations: [], total: 0, skip: 0, limit: 50 }),
      "POST /api/chat/langgraph/stream": async (_url, request) => {
        const body = (await request.json()) as { message: string; conversation_id?: number };
        const answer = body.conversation_id ? "Still **Ada**." : "Hello <img src=x onerror=alert(1)> **Ada**";
        messages.push(
          { ...base, id: messages.length + 1, role: "user", content: body.message, method: null },
          { ...base, id: messages.length + 2, role: "assistant", content: answer, method: "langgraph" },
        );
        return sseResponse([
          sseFrame("start", { framework: "langgraph" }),
          sseFrame("token", { framework: "langgraph", text: answer }),
          sseFrame("done", { framework: "langgraph", chat: { response: answer, conversation_id: 7, message_id: 2, method: "langgraph" } }),
        ]);
      },
      "GET /api/chat/conversations/7": () => ({
        id: 7,
        title: "I am Ada",
        method: "langgraph",
        created_at: "2026-11-24T09:00:00Z",
        updated_at: "2026-11-24T09:00:00Z",
        messages,
      }),
    });
    const user = userEvent.setup();
    renderWithProviders(<ChatPage />);
    await user.selectOptions(screen.getByLabelText("Framework"), "langgraph");
    await user.type(screen.getByLabelText("Message"), "I am Ada");
    await user.click(screen.getByRole("button", { name: "Send" }));

    expect(await screen.findByTestId("conversation-title")).toHaveTextContent("I am Ada");
    const answers = await screen.findAllByTestId("message-assistant");
    expect(within(answers[0] as HTMLElement).getByText("Ada").tagName).toBe("STRONG");
    expect(document.querySelector("img")).toBeNull();

    await user.type(screen.getByLabelText("Message"), "Who am I?");
    await user.click(screen.getByRole("button", { name: "Send" }));
    expect(await screen.findAllByText((_, element) => element?.tagName === "P" && element.textContent === "Still Ada.")).not.toHaveLength(
      0,
    );
    const posts = requests.filter((request) => request.method === "POST");
    const bodies = await Promise.all(posts.map((request) => request.json()));
    expect(bodies).toEqual([
      { message: "I am Ada", conversation_id: null },
      { message: "Who am I?", conversation_id: 7 },
    ]);
  });

  it("does not send a second message with Enter while an answer streams, and Stop says Stopped.", async () => {
    const live = liveSse();
    const requests = stubApi({
      "GET /api/chat/conversations": () => ({ conversations: [], total: 0, skip: 0, limit: 50 }),
      "POST /api/chat/langchain/stream": () => live.response,
    });
    const user = userEvent.setup();
    renderWithProviders(<ChatPage />);
    expect(screen.getByRole("heading", { name: "Chat" })).toBeInTheDocument();
    await user.type(screen.getByLabelText("Message"), "First{Enter}");
    live.send("token", { framework: "langchain", text: "Thinking" });
    expect(await screen.findByText("Thinking")).toBeInTheDocument();

    await user.type(screen.getByLabelText("Message"), "Second{Enter}");
    expect(screen.getByLabelText("Message")).toHaveValue("Second");
    expect(requests.filter((request) => request.method === "POST")).toHaveLength(1);

    await user.click(screen.getByRole("button", { name: "Stop" }));
    await live.cancelled;
    expect(await screen.findByTestId("chat-stopped")).toHaveTextContent("Stopped.");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByRole("button", { name: "Send" })).toBeEnabled();
  });

  it("renames inline with a 200-character limit and shows the server's error", async () => {
    stubApi({
      ...savedConversation(3, "Old", []),
      "PATCH /api/chat/conversations/3": () => errorResponse(409, "That title is taken.", "CONFLICT"),
    });
    const prompt = vi.spyOn(window, "prompt");
    const user = userEvent.setup();
    renderWithProviders(<ChatPage />);
    await user.click(await screen.findByText("Old"));
    await user.click(await screen.findByRole("button", { name: "Rename" }));
    const input = screen.getByLabelText("Conversation title");
    expect(input).toHaveAttribute("maxLength", "200");
    await user.clear(input);
    await user.type(input, "New title");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("That title is taken.");
    expect(prompt).not.toHaveBeenCalled();
  });

  it("shows regenerated answers as versions of one answer, newest first", async () => {
    const messages = [...greeting(), { ...base, id: 3, role: "assistant", content: "Second answer", method: "langgraph", reply_to_id: 1 }];
    stubApi(savedConversation(4, "Hi", messages));
    const user = userEvent.setup();
    renderWithProviders(<ChatPage />);
    await user.click(await screen.findByText("Hi"));
    expect(await screen.findByText("Second answer")).toBeInTheDocument();
    expect(screen.queryByText("First answer")).toBeNull();
    expect(screen.getByTestId("answer-versions")).toHaveTextContent("2 / 2");
    await user.click(screen.getByRole("button", { name: "Previous version" }));
    expect(screen.getByText("First answer")).toBeInTheDocument();
    expect(screen.getByTestId("answer-versions")).toHaveTextContent("1 / 2");
    expect(screen.getAllByTestId("message-assistant")).toHaveLength(1);
  });

  it("streams a regenerated answer as a new version and keeps the old one", async () => {
    const live = liveSse();
    const messages: object[] = greeting();
    const requests = stubApi({
      ...savedConversation(4, "Greeting", messages),
      "POST /api/chat/conversations/4/regenerate/stream": () => live.response,
    });
    const user = userEvent.setup();
    renderWithProviders(<ChatPage />);
    await user.click(await screen.findByText("Greeting"));
    expect(await screen.findByText("First answer")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Framework"), "langgraph");
    await user.click(screen.getByRole("button", { name: "Regenerate" }));
    live.send("token", { framework: "langgraph", text: "Second" });
    expect(await screen.findByText("Second")).toBeInTheDocument();
    expect(screen.getByTestId("answer-versions")).toHaveTextContent("2 / 2");
    expect(screen.getByRole("button", { name: "Stop" })).toBeInTheDocument();

    messages.push({ ...base, id: 3, role: "assistant", content: "Second answer", method: "langgraph", reply_to_id: 1 });
    live.send("done", {
      framework: "langgraph",
      chat: { response: "Second answer", conversation_id: 4, message_id: 3, method: "langgraph", reply_to_id: 1 },
    });
    live.close();
    expect(await screen.findByText("Second answer")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Previous version" }));
    expect(screen.getByText("First answer")).toBeInTheDocument();
    expect(screen.getByTestId("answer-versions")).toHaveTextContent("1 / 2");
    const regenerate = requests.find((request) => new URL(request.url).pathname.endsWith("/regenerate/stream"));
    expect(new URL(regenerate?.url ?? "http://x").searchParams.get("framework")).toBe("langgraph");
  });

  it("does not offer Regenerate under a stopped turn, whose answer was never saved", async () => {
    const live = liveSse();
    const requests = stubApi({
      ...savedConversation(4, "Greeting", greeting()),
      "POST /api/chat/langchain/stream": () => live.response,
    });
    const user = userEvent.setup();
    renderWithProviders(<ChatPage />);
    await user.click(await screen.findByText("Greeting"));
    expect(await screen.findByText("First answer")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Regenerate" })).toBeInTheDocument();

    await user.type(screen.getByLabelText("Message"), "Write a poem{Enter}");
    live.send("token", { framework: "langchain", text: "Roses" });
    expect(await screen.findByText("Roses")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Stop" }));
    await live.cancelled;
    expect(await screen.findByTestId("chat-stopped")).toHaveTextContent("Stopped.");
    // the refreshed conversation still ends with the saved answer to "Hi"
    await waitFor(() =>
      expect(
        requests.filter((request) => request.method === "GET" && new URL(request.url).pathname === "/api/chat/conversations/4").length,
      ).toBeGreaterThan(1),
    );
    expect(screen.getByText("First answer")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Regenerat/ })).toBeNull();
    expect(screen.getByRole("button", { name: "Send" })).toBeInTheDocument();
  });

  it("drops a deleted conversation from the cache instead of asking for it again", async () => {
    let deleted = false;
    const conversation = {
      id: 3,
      title: "Doomed",
      method: "langchain",
      message_count: 0,
      last_message_preview: "",
      created_at: CREATED,
      updated_at: CREATED,
    };
    const requests = stubApi({
      "GET /api/chat/conversations": () => ({ conversations: deleted ? [] : [conversation], total: deleted ? 0 : 1, skip: 0, limit: 50 }),
      "GET /api/chat/conversations/3": () =>
        deleted ? errorResponse(404, "Conversation not found.", "NOT_FOUND") : { ...conversation, messages: [] },
      "DELETE /api/chat/conversations/3": () => {
        deleted = true;
        return new Response(null, { status: 204 });
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const user = userEvent.setup();
    renderWithProviders(<ChatPage />);
    await user.click(await screen.findByText("Doomed"));
    await user.click(await screen.findByRole("button", { name: "Delete" }));
    expect(await screen.findByText("Ask anything to start a conversation.")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText("Doomed")).toBeNull());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = requests.slice(requests.findIndex((request) => request.method === "DELETE") + 1);
    expect(after.map((request) => `${request.method} ${new URL(request.url).pathname}`)).not.toContain("GET /api/chat/conversations/3");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
