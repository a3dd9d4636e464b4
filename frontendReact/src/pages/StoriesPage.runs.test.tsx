import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Link, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { liveSse } from "../api/sseTesting";
import { RunningIndicator } from "../generations/RunningIndicator";
import { makeStory, makeProvider as provider, renderWithProviders, stubApi } from "../test-utils";
import { StoriesPage } from "./StoriesPage";

/** The page among routes, so a test can leave it and come back while a run goes on. */
function Shell() {
  return (
    <>
      <nav>
        <Link to="/">Stories</Link>
        <Link to="/elsewhere">Elsewhere</Link>
        <RunningIndicator />
      </nav>
      <Routes>
        <Route path="/" element={<StoriesPage />} />
        <Route path="/elsewhere" element={<p>Somewhere else</p>} />
      </Routes>
    </>
  );
}

async function startAllThree() {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Primary character"), "Ada");
  await user.type(screen.getByLabelText("Secondary character"), "Grace");
  await user.click(screen.getByRole("button", { name: "Generate" }));
  return user;
}

afterEach(() => vi.unstubAllGlobals());

describe("StoriesPage runs", () => {
  it("says a framework is waiting for the model until its first step or token", async () => {
    const live = liveSse();
    stubApi({ "GET /api/provider": provider, "POST /api/compare": () => live.response });
    renderWithProviders(<StoriesPage />);
    await startAllThree();
    live.send("start", { comparison_id: "c1" });
    live.send("token", { framework: "semantic_kernel", text: "Once" });
    const first = await screen.findByTestId("story-card-semantic_kernel");
    expect(await within(first).findByText("Once")).toBeInTheDocument();
    expect(within(first).getByTestId("story-progress")).toHaveTextContent("Writing…");
    for (const framework of ["langchain", "langgraph"]) {
      expect(within(screen.getByTestId(`story-card-${framework}`)).getByTestId("story-progress")).toHaveTextContent(
        "Waiting for the model…",
      );
    }
    live.send("step", { framework: "langgraph", step: "storyteller" });
    expect(await within(screen.getByTestId("story-card-langgraph")).findByText("Drafting (storyteller)…")).toBeInTheDocument();
    live.close();
    expect(await within(first).findByRole("alert")).toHaveTextContent("The stream ended early.");
  });

  it("shows a neutral Stopped. note when the user stops, never an error", async () => {
    const live = liveSse();
    stubApi({ "GET /api/provider": provider, "POST /api/compare": () => live.response });
    renderWithProviders(<StoriesPage />);
    const user = await startAllThree();
    live.send("token", { framework: "langchain", text: "Half a" });
    await screen.findByText("Half a");
    await user.click(screen.getByRole("button", { name: "Stop" }));
    await live.cancelled;
    expect(await screen.findAllByText("Stopped.")).toHaveLength(3);
    expect(screen.getByText("Half a")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByText("The stream ended early.")).toBeNull();
    expect(screen.getByRole("button", { name: "Generate" })).toBeEnabled();
  });

  it("keeps running after the page is left, and shows its text on return", async () => {
    const live = liveSse();
    stubApi({ "GET /api/provider": provider, "POST /api/langchain/stream": () => live.response });
    renderWithProviders(<Shell />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("Primary character"), "Ada");
    await user.type(screen.getByLabelText("Secondary character"), "Grace");
    await user.click(screen.getByLabelText("LangChain"));
    await user.click(screen.getByRole("button", { name: "Generate" }));
    live.send("token", { framework: "langchain", text: "Once upon" });
    await screen.findByText("Once upon");

    await user.click(screen.getByRole("link", { name: "Elsewhere" }));
    expect(screen.queryByLabelText("Primary character")).toBeNull();
    expect(screen.getByTestId("running-indicator")).toHaveTextContent("1 running");
    live.send("token", { framework: "langchain", text: " a time" });
    await user.click(screen.getByRole("link", { name: "Stories" }));
    expect(await screen.findByText("Once upon a time")).toBeInTheDocument();
    expect(screen.getByLabelText("Primary character")).toHaveValue("Ada");
    expect(screen.getByRole("button", { name: "Generating…" })).toBeDisabled();

    await user.click(screen.getByRole("link", { name: "Elsewhere" }));
    live.send("done", { framework: "langchain", story: makeStory({ story: "Once upon a time, the end." }) });
    live.close();
    const notice = await screen.findByRole("status");
    expect(notice).toHaveTextContent("Story: Ada & Grace (LangChain): finished.");
    expect(screen.queryByTestId("running-indicator")).toBeNull();
    await user.click(within(notice).getByRole("link"));
    expect(await screen.findByTestId("story-text")).toHaveTextContent("Once upon a time, the end.");
    expect(screen.queryByRole("status")).toBeNull();
  });
});
