import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { liveSse } from "../api/sseTesting";
import { renderWithProviders, stubApi } from "../test-utils";
import { DocumentsPage } from "./DocumentsPage";

function sse(events: [string, unknown][]): Response {
  const text = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  return new Response(text, { status: 200, headers: { "content-type": "text/event-stream" } });
}

const file = {
  file_id: "ctx_0123456789abcdef",
  filename: "report.pdf",
  file_type: "pdf",
  file_size_bytes: 900,
  processed_content_length: 400,
  pages: 2,
  estimated_tokens: 130,
  processing_time_ms: 5,
  created_at: "2026-11-24T09:00:00Z",
};

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
          [
            "done",
            {
              framework: body.framework,
              execution: {
                execution_id: 1,
                status: "completed",
                response: `Answer from ${body.framework}`,
                framework: body.framework,
                strategy: "single",
                chunks: 1,
                total_tokens: 42,
                estimated_cost_usd: 0,
                total_execution_time_ms: 12,
              },
            },
          ],
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
        sse([
          [
            "done",
            {
              framework: "langchain",
              execution: {
                execution_id: 2,
                status: "completed",
                response: answer,
                framework: "langchain",
                strategy: "single",
                chunks: 1,
                total_tokens: 9,
                estimated_cost_usd: 0,
                total_execution_time_ms: 3,
              },
            },
          ],
        ]),
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

  it("lists a stopped run once the server has recorded it, in grey as stopped", async () => {
    const live = liveSse();
    let stopped = false;
    let readsAfterStop = 0;
    const cancelled = {
      execution_id: 9,
      status: "cancelled",
      framework: "langchain",
      user_prompt: "Summarise the document in a short paragraph.",
      total_tokens: 0,
      estimated_cost_usd: 0,
      created_at: "2026-11-24T09:00:00Z",
      error_message: "Stopped before the answer.",
    };
    stubApi({
      "GET /api/context/files": () => ({ files: [file], total: 1, skip: 0, limit: 100 }),
      // The server saves the stopped run just after the client leaves: the first read misses it.
      "GET /api/context/executions": () => {
        if (stopped) readsAfterStop += 1;
        const executions = readsAfterStop > 1 ? [cancelled] : [];
        return { executions, total: executions.length, skip: 0, limit: 50 };
      },
      "POST /api/context/execute/stream": () => live.response,
    });
    const user = userEvent.setup();
    renderWithProviders(<DocumentsPage />);
    await user.click(await screen.findByLabelText("Use report.pdf"));
    await user.click(screen.getByRole("button", { name: "Run" }));
    live.send("token", { framework: "langchain", text: "Partial" });
    await screen.findByText("Partial");
    stopped = true;
    await user.click(screen.getByRole("button", { name: "Stop" }));
    await live.cancelled;
    await screen.findByTestId("run-stopped");
    await waitFor(() => expect(readsAfterStop).toBe(1));
    expect(within(screen.getByTestId("executions")).getByText("No runs yet.")).toBeInTheDocument();

    const status = await within(screen.getByTestId("executions")).findByTestId("execution-status", {}, { timeout: 3000 });
    expect(status).toHaveTextContent("stopped");
    expect(status).toHaveClass("text-slate-500");
    expect(status).not.toHaveClass("text-red-700");
    expect(screen.getByText("Stopped before the answer.")).not.toHaveClass("text-red-700");
  });

  it("shows completed runs in green and failed ones in red", async () => {
    const run = {
      framework: "langchain",
      user_prompt: "Summarise",
      total_tokens: 5,
      estimated_cost_usd: 0,
      created_at: "2026-11-24T09:00:00Z",
      error_message: null,
    };
    stubApi({
      "GET /api/context/files": () => ({ files: [], total: 0, skip: 0, limit: 100 }),
      "GET /api/context/executions": () => ({
        executions: [
          { ...run, execution_id: 1, status: "completed" },
          { ...run, execution_id: 2, status: "failed", error_message: "The model is unavailable." },
        ],
        total: 2,
        skip: 0,
        limit: 50,
      }),
    });
    renderWithProviders(<DocumentsPage />);
    const statuses = await within(await screen.findByTestId("executions")).findAllByTestId("execution-status");
    expect(statuses.map((status) => [status.textContent, status.className])).toEqual([
      ["completed", "text-green-700"],
      ["failed", "text-red-700"],
    ]);
    expect(screen.getByText("The model is unavailable.")).toHaveClass("text-red-700");
  });

  it("styles the file input as a button and lets the prompt presets wrap", async () => {
    stubApi({
      "GET /api/context/files": () => ({ files: [], total: 0, skip: 0, limit: 100 }),
      "GET /api/context/executions": () => ({ executions: [], total: 0, skip: 0, limit: 50 }),
    });
    renderWithProviders(<DocumentsPage />);
    const input = screen.getByLabelText(/Upload a PDF/);
    expect(input.className).toMatch(/\bfile:bg-indigo-600\b/);
    expect(screen.getByTestId("prompt-presets")).toHaveClass("flex-wrap");
    expect(screen.getByRole("button", { name: "Key points" })).toHaveClass("whitespace-nowrap");
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

  it("shows a file uploaded while the list's first read is still under way", async () => {
    // The first read of the list answers only after the upload has ended (a busy server), with
    // the list as it was before: the page must read it again, not wait for that answer.
    let answerFirstRead: () => void = () => undefined;
    const firstRead = new Promise<void>((resolve) => {
      answerFirstRead = resolve;
    });
    let reads = 0;
    stubApi({
      "GET /api/context/files": async () => {
        reads += 1;
        if (reads === 1) {
          await firstRead;
          return { files: [], total: 0, skip: 0, limit: 100 };
        }
        return { files: [file], total: 1, skip: 0, limit: 100 };
      },
      "GET /api/context/executions": () => ({ executions: [], total: 0, skip: 0, limit: 50 }),
    });
    class UploadRequest {
      status = 0;
      responseText = "";
      upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
      onload: (() => void) | null = null;
      onerror: (() => void) | null = null;
      open(): void {}
      setRequestHeader(): void {}
      send(): void {
        setTimeout(() => {
          this.status = 201;
          this.responseText = JSON.stringify(file);
          this.onload?.();
          setTimeout(answerFirstRead, 0); // the old read answers once the upload is done
        }, 0);
      }
    }
    vi.stubGlobal("XMLHttpRequest", UploadRequest);
    const user = userEvent.setup();
    renderWithProviders(<DocumentsPage />);
    await user.upload(screen.getByLabelText(/Upload a PDF/), new File(["%PDF"], "report.pdf", { type: "application/pdf" }));
    const use = await screen.findByLabelText("Use report.pdf");
    expect(use).toBeChecked();
    expect(reads).toBeGreaterThanOrEqual(2);
  });
});
