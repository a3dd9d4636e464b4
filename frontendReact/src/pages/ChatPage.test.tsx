import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithProviders, stubApi } from "../test-utils";
import { ChatPage } from "./ChatPage";

function sse(events: [string, unknown][]): Response {
  const text = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  return new Response(text, { status: 200, headers: { "content-type": "text/event-stream" } });
}

const base = { model: "m", provider: "p", input_tokens: 5, output_tokens: 7, total_tokens: 12, estimated_cost_usd: 0, generation_time_ms: 10, transaction_guid: "g", created_at: "2026-11-24T09:00:00Z", calls: [] };

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
        return sse([
          ["start", { framework: "langgraph" }],
          ["token", { framework: "langgraph", text: answer }],
          ["done", { framework: "langgraph", chat: { response: answer, conversation_id: 7, message_id: 2, method: "langgraph" } }],
        ]);
      },
      "GET /api/chat/conversations/7": () => ({ id: 7, title: "I am Ada", method: "langgraph", created_at: "2026-11-24T09:00:00Z", updated_at: "2026-11-24T09:00:00Z", messages }),
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
    expect(await screen.findAllByText((_, element) => element?.tagName === "P" && element.textContent === "Still Ada.")).not.toHaveLength(0);
    const posts = requests.filter((request) => request.method === "POST");
    const bodies = await Promise.all(posts.map((request) => request.json()));
    expect(bodies).toEqual([
      { message: "I am Ada", conversation_id: null },
      { message: "Who am I?", conversation_id: 7 },
    ]);
  });
});
