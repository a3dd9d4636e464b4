import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { liveSse } from "../api/sseTesting";
import { renderWithProviders, stubApi } from "../test-utils";
import { DocumentsPage } from "./DocumentsPage";

function sse(events: [string, unknown][]): Response {
  const text = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  return new Response(text, { status: 200, headers: { "content-type": "text/event-stream" } });
}

const file = { file_id: "ctx_0123456789abcdef", filename: "report.pdf", file_type: "pdf", file_size_bytes: 900, processed_content_length: 400, pages: 2, estimated_tokens: 130, processing_time_ms: 5, created_at: "2026-11-24T09:00:00Z" };

afterEach(() => vi.unstubAllGlobals());

describe("DocumentsPage", () => {
  it("runs a preset prompt over a chosen file with all three frameworks side by side", async () => {
    const bodies: unknown[] = [];
    stubApi({
      "GET /api/context/files": () => ({ files: [file], total: 1, skip: 0, limit: 100 }),
      "GET /api/context/executions": () => ({ executions: [], total: 0, skip: 0, limit: 50 }),
      "POST /api/context/execute/stream": async (_url, request) => {
        const body = (await request.json()) as { framework: string };
        bodies.push(body);
        return sse([
          ["token", { framework: body.framework, text: `Answer from ${body.framework}` }],
          ["done", { framework: body.framework, execution: { execution_id: 1, status: "completed", response: `Answer from ${body.framework}`, framework: body.framework, strategy: "single", chunks: 1, total_tokens: 42, estimated_cost_usd: 0, total_execution_time_ms: 12 } }],
        ]);
      },
    });
    const user = userEvent.setup();
    renderWithProviders(<DocumentsPage />);
    await user.click(await screen.findByLabelText("Use report.pdf"));
    await user.click(screen.getByRole("button", { name: "Key points" }));
    await user.click(screen.getByLabelText("All three"));
    await user.click(screen.getByRole("button", { name: "Run" }));
    for (const framework of ["semantic_kernel", "langchain", "langgraph"]) {
      const card = await screen.findByTestId(`run-${framework}`);
      expect(await within(card).findByText(`Answer from ${framework}`)).toBeInTheDocument();
      expect(within(card).getByTestId("run-figures")).toHaveTextContent("single call · 42 tokens");
    }
    expect(bodies).toHaveLength(3);
    expect(bodies[0]).toMatchObject({
      file_ids: ["ctx_0123456789abcdef"],
      user_prompt: "List the key points of the document as bullet points.",
    });
  });

  it("renders a result as Markdown without ever rendering raw HTML", async () => {
    const answer = "**Key** point <img src=x onerror=alert(1)>\n\n- one\n- two";
    stubApi({
      "GET /api/context/files": () => ({ files: [file], total: 1, skip: 0, limit: 100 }),
      "GET /api/context/executions": () => ({ executions: [], total: 0, skip: 0, limit: 50 }),
      "POST /api/context/execute/stream": () =>
        sse([["done", { framework: "langchain", execution: { execution_id: 2, status: "completed", response: answer, framework: "langchain", strategy: "single", chunks: 1, total_tokens: 9, estimated_cost_usd: 0, total_execution_time_ms: 3 } }]]),
    });
    const user = userEvent.setup();
    renderWithProviders(<DocumentsPage />);
    await user.click(await screen.findByLabelText("Use report.pdf"));
    await user.click(screen.getByRole("button", { name: "Run" }));
    const text = await screen.findByTestId("run-text");
    expect((await within(text).findByText("Key")).tagName).toBe("STRONG");
    expect(within(text).getAllByRole("listitem")).toHaveLength(2);
    expect(document.querySelector("img")).toBeNull();
  });

  it("stops a run with Stop and says Stopped., not an error", async () => {
    const live = liveSse();
    stubApi({
      "GET /api/context/files": () => ({ files: [file], total: 1, skip: 0, limit: 100 }),
      "GET /api/context/executions": () => ({ executions: [], total: 0, skip: 0, limit: 50 }),
      "POST /api/context/execute/stream": () => live.response,
    });
    const user = userEvent.setup();
    renderWithProviders(<DocumentsPage />);
    await user.click(await screen.findByLabelText("Use report.pdf"));
    await user.click(screen.getByRole("button", { name: "Run" }));
    expect(await screen.findByText("Waiting for the model…")).toBeInTheDocument();
    live.send("token", { framework: "langchain", text: "Partial" });
    await screen.findByText("Partial");
    await user.click(screen.getByRole("button", { name: "Stop" }));
    await live.cancelled;
    expect(await screen.findByTestId("run-stopped")).toHaveTextContent("Stopped.");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("asks before deleting a file", async () => {
    let deleted = false;
    stubApi({
      "GET /api/context/files": () => ({ files: deleted ? [] : [file], total: deleted ? 0 : 1, skip: 0, limit: 100 }),
      "GET /api/context/executions": () => ({ executions: [], total: 0, skip: 0, limit: 50 }),
      "DELETE /api/context/files/ctx_0123456789abcdef": () => {
        deleted = true;
        return new Response(null, { status: 204 });
      },
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    const user = userEvent.setup();
    renderWithProviders(<DocumentsPage />);
    await user.click(await screen.findByRole("button", { name: "Delete" }));
    expect(confirm).toHaveBeenCalledWith("Delete report.pdf?");
    expect(deleted).toBe(false);
    await user.click(screen.getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("No documents yet.")).toBeInTheDocument();
    expect(deleted).toBe(true);
  });
});
