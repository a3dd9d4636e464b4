import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FrameworkName, StoryRequest } from "../client/types.gen";
import { makeStory, renderWithProviders, stubApi } from "../test-utils";
import { StoriesPage } from "./StoriesPage";

const provider = () => ({
  provider: "embedded", model: "SmolLM2-135M-Instruct", configured: true, embedded: true,
  base_url: null, frameworks: ["semantic_kernel", "langchain", "langgraph"],
});

function storyFrom(method: FrameworkName) {
  return async (_url: URL, request: Request) => {
    const body = (await request.json()) as StoryRequest;
    return makeStory({
      method,
      primary_character: body.primary_character,
      combined_characters: `${body.primary_character} and ${body.secondary_character}`,
      story: `${method} story about ${body.primary_character}`,
    });
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("StoriesPage", () => {
  it("runs all three frameworks side by side with the same input", async () => {
    const requests = stubApi({
      "GET /api/provider": provider,
      "POST /api/semantic-kernel": storyFrom("semantic_kernel"),
      "POST /api/langchain": storyFrom("langchain"),
      "POST /api/langgraph": storyFrom("langgraph"),
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
    expect(posts).toHaveLength(3);
    const bodies = await Promise.all(posts.map((request) => request.json()));
    expect(bodies).toEqual(
      Array(3).fill({ primary_character: "O'Brien", secondary_character: "Tom & Jerry", length: "short" }),
    );
    expect(screen.getByText(/SmolLM2-135M-Instruct/)).toBeInTheDocument();
  });

  it("runs only the chosen framework and shows the API's error message", async () => {
    stubApi({
      "GET /api/provider": provider,
      "POST /api/langgraph": () =>
        new Response(
          JSON.stringify({ error: { type: "ProviderError", code: "PROVIDER_TIMEOUT", message: "The model provider did not answer in time.", details: [], request_id: "req_x", timestamp: "2026-11-24T00:00:00Z" } }),
          { status: 504, headers: { "content-type": "application/json" } },
        ),
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
});
