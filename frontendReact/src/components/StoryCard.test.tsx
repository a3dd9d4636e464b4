import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeStory } from "../test-utils";
import { StoryCard } from "./StoryCard";

describe("StoryCard", () => {
  it("shows the story with its time, tokens, cost, model, provider and GUID", () => {
    render(<StoryCard framework="langchain" story={makeStory()} />);
    expect(screen.getByText("LangChain")).toBeInTheDocument();
    expect(screen.getByTestId("story-text")).toHaveTextContent("Once upon a time.");
    expect(screen.getByTestId("figure-Time")).toHaveTextContent("1.23 s");
    expect(screen.getByTestId("figure-Tokens in / out")).toHaveTextContent("40 / 60");
    expect(screen.getByTestId("figure-Cost")).toHaveTextContent("$0.000123");
    expect(screen.getByTestId("figure-Model")).toHaveTextContent("gpt-4o-mini");
    expect(screen.getByText("550e8400-e29b-41d4-a716-446655440000")).toBeInTheDocument();
  });

  it("renders markup in a story as text, never as HTML", () => {
    render(<StoryCard framework="langchain" story={makeStory({ story: "<img src=x onerror=alert(1)>" })} />);
    expect(screen.getByTestId("story-text").textContent).toBe("<img src=x onerror=alert(1)>");
    expect(document.querySelector("img")).toBeNull();
  });

  it("copies the story text", async () => {
    const user = userEvent.setup();
    const writeText = vi.spyOn(navigator.clipboard, "writeText").mockResolvedValue();
    render(<StoryCard framework="langgraph" story={makeStory({ method: "langgraph" })} />);
    await user.click(screen.getByRole("button", { name: "Copy" }));
    expect(writeText).toHaveBeenCalledWith("Once upon a time.");
    expect(await screen.findByRole("button", { name: "Copied" })).toBeInTheDocument();
  });

  it("shows an error instead of a story", () => {
    render(<StoryCard framework="semantic_kernel" error="The model provider is unavailable." />);
    expect(screen.getByRole("alert")).toHaveTextContent("The model provider is unavailable.");
  });
});

describe("StoryCard ledger rows", () => {
  it("lists each provider call behind the story", () => {
    const call = {
      id: 1,
      step: "storyteller",
      attempt: 1,
      status: "ok",
      model: "m",
      input_tokens: 10,
      output_tokens: 20,
      cached_tokens: 0,
      tokens_estimated: false,
      cost_usd: 0,
      latency_ms: 12,
    };
    render(
      <StoryCard
        framework="langgraph"
        story={makeStory({ method: "langgraph", calls: [call, { ...call, id: 2, step: "editor", status: "http_500" }] })}
      />,
    );
    const table = screen.getByTestId("ledger-calls");
    expect(table).toHaveTextContent("storyteller");
    expect(table).toHaveTextContent("editor");
    expect(table).toHaveTextContent("http_500");
  });
});

describe("StoryCard estimated tokens", () => {
  const call = {
    id: 1,
    step: null,
    attempt: 1,
    status: "ok",
    model: "m",
    input_tokens: 40,
    output_tokens: 60,
    cached_tokens: 0,
    tokens_estimated: false,
    cost_usd: 0,
    latency_ms: 12,
  };

  it("says the tokens are estimated when any call's tokens were", () => {
    render(<StoryCard framework="langgraph" story={makeStory({ calls: [call, { ...call, id: 2, tokens_estimated: true }] })} />);
    expect(screen.getByTestId("figure-Tokens in / out")).toHaveTextContent(/^40 \/ 60 \(est\.\)$/);
  });

  it("shows plain counts when every call reported its usage", () => {
    const { unmount } = render(<StoryCard framework="langchain" story={makeStory({ calls: [call] })} />);
    expect(screen.getByTestId("figure-Tokens in / out")).toHaveTextContent(/^40 \/ 60$/);
    unmount();
    render(<StoryCard framework="langchain" story={makeStory({ calls: [] })} />);
    expect(screen.getByTestId("figure-Tokens in / out")).toHaveTextContent(/^40 \/ 60$/);
  });
});

describe("StoryCard title", () => {
  it("heads the card with the given title and still names the framework", () => {
    render(<StoryCard framework="langgraph" story={makeStory({ method: "langgraph" })} title="Alice and Bob" />);
    expect(screen.getByRole("heading", { level: 2 })).toHaveTextContent("Alice and Bob");
    expect(screen.getByText("LangGraph")).toBeInTheDocument();
  });
});

describe("StoryCard timing", () => {
  it("splits the total time into model time and waiting", () => {
    render(<StoryCard framework="langchain" story={makeStory({ generation_time_ms: 9000, model_time_ms: 2500 })} />);
    expect(screen.getByTestId("figure-Time")).toHaveTextContent("9.00 s");
    expect(screen.getByTestId("figure-Model time")).toHaveTextContent("2.50 s");
    expect(screen.getByTestId("figure-Waiting")).toHaveTextContent("6.50 s");
  });

  it("never shows a negative wait, and leaves the split out when the model time is unknown", () => {
    const { unmount } = render(<StoryCard framework="langchain" story={makeStory({ generation_time_ms: 1000, model_time_ms: 1200 })} />);
    expect(screen.getByTestId("figure-Waiting")).toHaveTextContent("0 ms");
    unmount();
    render(<StoryCard framework="langchain" story={makeStory({ model_time_ms: null })} />);
    expect(screen.queryByTestId("figure-Model time")).toBeNull();
    expect(screen.queryByTestId("figure-Waiting")).toBeNull();
  });

  it("says a queued framework is waiting for the model, and a stopped one Stopped.", () => {
    const { unmount } = render(<StoryCard framework="langchain" pending queued />);
    expect(screen.getByTestId("story-progress")).toHaveTextContent("Waiting for the model…");
    unmount();
    render(<StoryCard framework="langchain" stopped streamingText="Half" />);
    expect(screen.getByTestId("story-stopped")).toHaveTextContent("Stopped.");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("marks a story answered from the cache and names the transaction it repeats", () => {
    const original = "11111111-2222-3333-4444-555555555555";
    render(
      <StoryCard
        framework="langchain"
        story={makeStory({ cached: true, cached_from_guid: original, estimated_cost_usd: 0, input_tokens: 0, output_tokens: 0 })}
      />,
    );
    expect(screen.getByTestId("story-cached")).toHaveTextContent("Cached");
    expect(screen.getByTestId("story-cached")).toHaveAttribute("title", expect.stringContaining(original));
    expect(screen.getByTestId("figure-Cached from")).toHaveTextContent(original);
    expect(screen.getByTestId("figure-Cost")).toHaveTextContent("$0");
  });

  it("shows no cache mark on a generated story", () => {
    render(<StoryCard framework="langchain" story={makeStory()} />);
    expect(screen.queryByTestId("story-cached")).toBeNull();
    expect(screen.queryByTestId("figure-Cached from")).toBeNull();
  });
});
