import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FrameworkName, StoryRequest } from "../client/types.gen";
import { makeStory, makeProvider as provider, renderWithProviders, stubApi } from "../test-utils";
import { StoriesPage } from "./StoriesPage";

function sse(events: [string, unknown][]): Response {
  const text = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  return new Response(text, { status: 200, headers: { "content-type": "text/event-stream" } });
}

function storyEvents(framework: FrameworkName, body: StoryRequest): [string, unknown][] {
  const words = [`${framework}`, " story", ` about ${body.primary_character}`];
  return [
    ...words.map((text): [string, unknown] => ["token", { framework, text }]),
    ["done", { framework, story: makeStory({ method: framework, story: words.join(""), primary_character: body.primary_character }) }],
  ];
}

afterEach(() => vi.unstubAllGlobals());

describe("StoriesPage", () => {
  it("streams all three frameworks side by side from one comparison", async () => {
    const requests = stubApi({
      "GET /api/provider": provider,
      "POST /api/compare": async (_url, request) => {
        const body = (await request.json()) as StoryRequest;
        return sse([
          ["start", { comparison_id: "c1" }],
          ...(["semantic_kernel", "langchain", "langgraph"] as const).flatMap((framework) => storyEvents(framework, body)),
          ["end", { comparison_id: "c1" }],
        ]);
      },
    });
    const user = userEvent.setup();
    renderWithProviders(<StoriesPage />);
    await user.type(screen.getByLabelText("Primary character"), "O'Brien");
    await user.type(screen.getByLabelText("Secondary character"), "Tom & Jerry");
    await user.click(screen.getByRole("button", { name: "Generate" }));

    for (const framework of ["semantic_kernel", "langchain", "langgraph"] as const) {
      const card = await screen.findByTestId(`story-card-${framework}`);
      expect(await within(card).findByText(`${framework} story about O'Brien`)).toBeInTheDocument();
    }
    const posts = requests.filter((request) => request.method === "POST");
    expect(posts).toHaveLength(1);
    expect(await posts[0]?.json()).toEqual({
      primary_character: "O'Brien",
      secondary_character: "Tom & Jerry",
      length: "short",
      judge: true,
    });
  });

  it("streams only the chosen framework and shows an error event's message", async () => {
    stubApi({
      "GET /api/provider": provider,
      "POST /api/langgraph/stream": () =>
        sse([
          ["start", { framework: "langgraph" }],
          ["step", { framework: "langgraph", step: "storyteller" }],
          [
            "error",
            {
              framework: "langgraph",
              status: 504,
              error: { message: "The model provider did not answer in time.", code: "PROVIDER_TIMEOUT" },
            },
          ],
        ]),
    });
    const user = userEvent.setup();
    renderWithProviders(<StoriesPage />);
    await user.type(screen.getByLabelText("Primary character"), "Alice");
    await user.type(screen.getByLabelText("Secondary character"), "Bob");
    await user.click(screen.getByLabelText("LangGraph"));
    await user.click(screen.getByRole("button", { name: "Generate" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The model provider did not answer in time.");
    expect(screen.queryByTestId("story-card-langchain")).toBeNull();
  });

  it("asks for a cached story when ticked, and marks the answer Cached", async () => {
    const original = "11111111-2222-3333-4444-555555555555";
    const requests = stubApi({
      "GET /api/provider": provider,
      "POST /api/langchain/stream": () =>
        sse([
          ["start", { framework: "langchain" }],
          ["token", { framework: "langchain", text: "A story told before." }],
          [
            "done",
            {
              framework: "langchain",
              story: makeStory({ story: "A story told before.", cached: true, cached_from_guid: original, estimated_cost_usd: 0 }),
            },
          ],
          ["end", {}],
        ]),
    });
    const user = userEvent.setup();
    renderWithProviders(<StoriesPage />);
    await user.type(screen.getByLabelText("Primary character"), "Ada");
    await user.type(screen.getByLabelText("Secondary character"), "Grace");
    await user.click(screen.getByLabelText("LangChain"));
    await user.click(screen.getByLabelText(/Reuse my earlier story/));
    await user.click(screen.getByRole("button", { name: "Generate" }));

    const card = await screen.findByTestId("story-card-langchain");
    expect(await within(card).findByTestId("story-cached")).toHaveTextContent("Cached");
    expect(within(card).getByTestId("figure-Cached from")).toHaveTextContent(original);
    const sent = requests.find((request) => request.method === "POST");
    expect(await sent?.json()).toMatchObject({ primary_character: "Ada", cache: true });
  });
});
