import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { liveSse } from "../api/sseTesting";
import type { FrameworkName, FrameworkScores, VerdictResponse } from "../client/types.gen";
import { makeStory, makeProvider as provider, renderWithProviders, stubApi } from "../test-utils";
import { StoriesPage } from "./StoriesPage";

const FRAMEWORKS: FrameworkName[] = ["semantic_kernel", "langchain", "langgraph"];

function scores(framework: FrameworkName, label: string, score: number): FrameworkScores {
  const criterion = { score, reason: `${framework} scored ${score}.` };
  return {
    framework,
    label,
    adherence: criterion,
    coherence: criterion,
    creativity: criterion,
    length_fit: criterion,
    total: score * 4,
  };
}

const VERDICT: VerdictResponse = {
  comparison_id: "c1",
  status: "ok",
  judge_model: "judge-model",
  winner: "langgraph",
  ranking: ["langgraph", "semantic_kernel", "langchain"],
  scores: [scores("langgraph", "B", 5), scores("semantic_kernel", "C", 3), scores("langchain", "A", 2)],
  labels: { A: "langchain", B: "langgraph", C: "semantic_kernel" },
  error: null,
  attempts: 1,
  input_tokens: 300,
  output_tokens: 120,
  total_tokens: 420,
  estimated_cost_usd: 0,
  transaction_guid: "t1",
  judge_time_ms: 800,
  created_at: "2026-11-25T10:00:00Z",
};

async function startAllThree() {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Primary character"), "Ada");
  await user.type(screen.getByLabelText("Secondary character"), "Grace");
  return user;
}

function finishStories(live: ReturnType<typeof liveSse>) {
  live.send("start", { comparison_id: "c1", judge: true });
  FRAMEWORKS.forEach((framework, index) => {
    live.send("done", { framework, story: makeStory({ id: index + 1, method: framework, story: `The ${framework} story.` }) });
  });
}

afterEach(() => vi.unstubAllGlobals());

describe("StoriesPage judging", () => {
  it("asks for a verdict, shows each story's scores with reasons, and marks the winner", async () => {
    const live = liveSse();
    const requests = stubApi({ "GET /api/provider": provider, "POST /api/compare": () => live.response });
    renderWithProviders(<StoriesPage />);
    const user = await startAllThree();
    await user.click(screen.getByRole("button", { name: "Generate" }));
    finishStories(live);
    expect(await screen.findByTestId("verdict-pending")).toHaveTextContent("The judge is scoring the stories");
    expect(within(screen.getByTestId("story-card-langchain")).getByTestId("judge-pending")).toHaveTextContent(
      "The judge is scoring this story…",
    );
    live.send("verdict", { comparison_id: "c1", verdict: VERDICT });
    live.send("end", { comparison_id: "c1" });
    live.close();

    expect(await screen.findByTestId("verdict-summary")).toHaveTextContent(
      "Judge's verdict: LangGraph wins. Ranking: LangGraph › Semantic Kernel › LangChain. Judged by judge-model.",
    );
    const winner = within(screen.getByTestId("story-card-langgraph"));
    expect(winner.getByTestId("judge-total")).toHaveTextContent("20/20");
    expect(winner.getByTestId("judge-winner")).toHaveTextContent("Judge's pick");
    expect(winner.getAllByText("langgraph scored 5.")).toHaveLength(4);
    const loser = within(screen.getByTestId("story-card-langchain"));
    expect(loser.getByTestId("judge-total")).toHaveTextContent("8/20");
    expect(loser.queryByTestId("judge-winner")).toBeNull();
    expect(loser.getByText("shown to the judge as story A")).toBeInTheDocument();
    expect(screen.queryByTestId("verdict-pending")).toBeNull();
    expect(screen.queryByTestId("judge-pending")).toBeNull();

    const sent = requests.find((request) => request.url.endsWith("/api/compare"));
    expect(await sent?.json()).toMatchObject({ primary_character: "Ada", judge: true });
  });

  it("says why there is no verdict when the judge fails", async () => {
    const live = liveSse();
    stubApi({ "GET /api/provider": provider, "POST /api/compare": () => live.response });
    renderWithProviders(<StoriesPage />);
    const user = await startAllThree();
    await user.click(screen.getByRole("button", { name: "Generate" }));
    finishStories(live);
    live.send("verdict", { comparison_id: "c1", verdict: null, status: 502, error: { message: "The model provider failed." } });
    live.close();
    expect(await screen.findByTestId("verdict-summary")).toHaveTextContent(
      "The judge could not score these stories: The model provider failed.",
    );
    expect(screen.queryByTestId("judge-total")).toBeNull();
  });

  it("sends judge: false when unticked, and waits for no verdict", async () => {
    const live = liveSse();
    const requests = stubApi({ "GET /api/provider": provider, "POST /api/compare": () => live.response });
    renderWithProviders(<StoriesPage />);
    const user = await startAllThree();
    await user.click(screen.getByLabelText(/Judge the three stories/));
    await user.click(screen.getByRole("button", { name: "Generate" }));
    finishStories(live);
    live.send("end", { comparison_id: "c1" });
    live.close();
    expect(await within(screen.getByTestId("story-card-langgraph")).findByText("The langgraph story.")).toBeInTheDocument();
    expect(screen.queryByTestId("verdict-pending")).toBeNull();
    expect(screen.queryByTestId("verdict-summary")).toBeNull();
    const sent = requests.find((request) => request.url.endsWith("/api/compare"));
    expect(await sent?.json()).toMatchObject({ judge: false });
  });
});
