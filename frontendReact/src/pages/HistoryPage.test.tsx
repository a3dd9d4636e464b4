import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeStory, renderWithProviders, stubApi } from "../test-utils";
import { HistoryPage } from "./HistoryPage";

afterEach(() => vi.unstubAllGlobals());

describe("HistoryPage", () => {
  it("lists stories, filters by framework, searches by character and opens one", async () => {
    const requests = stubApi({
      "GET /api/stories": (url) => {
        const framework = url.searchParams.get("framework");
        const stories = [makeStory({ id: 1 }), makeStory({ id: 2, method: "langgraph", combined_characters: "Ada and Grace" })].filter(
          (story) => !framework || story.method === framework,
        );
        return { stories, total: stories.length, skip: 0, limit: 10 };
      },
      "GET /api/stories/search/characters": () => [makeStory({ id: 2, method: "langgraph", combined_characters: "Ada and Grace" })],
      "GET /api/stories/2": () => makeStory({ id: 2, method: "langgraph", story: "Ada's full story" }),
    });
    const user = userEvent.setup();
    renderWithProviders(<HistoryPage />);
    expect(await screen.findByText("Alice and Bob")).toBeInTheDocument();
    expect(screen.getByTestId("history-total")).toHaveTextContent("2 stories");

    await user.selectOptions(screen.getByLabelText("Filter by framework"), "langgraph");
    expect(await screen.findByTestId("history-total")).toHaveTextContent("1 story");
    expect(requests.some((r) => new URL(r.url).searchParams.get("framework") === "langgraph")).toBe(true);

    await user.type(screen.getByLabelText("Search by character"), "Ada");
    const searched = requests.filter((r) => new URL(r.url).pathname === "/api/stories/search/characters");
    expect(searched.length).toBeGreaterThan(0);

    await user.click(await screen.findByText("Ada and Grace"));
    expect(await screen.findByText("Ada's full story")).toBeInTheDocument();
  });

  it("marks the opened row, scrolls the opened story into view and heads it with the characters", async () => {
    const scrollIntoView = vi.fn();
    Object.defineProperty(HTMLElement.prototype, "scrollIntoView", { configurable: true, value: scrollIntoView });
    stubApi({
      "GET /api/stories": () => ({
        stories: [makeStory({ id: 1 }), makeStory({ id: 2, method: "langgraph", combined_characters: "Ada and Grace" })],
        total: 2,
        skip: 0,
        limit: 10,
      }),
      "GET /api/stories/1": () => makeStory({ id: 1, story: "Alice's full story" }),
      "GET /api/stories/2": () =>
        makeStory({ id: 2, method: "langgraph", combined_characters: "Ada and Grace", story: "Ada's full story" }),
    });
    const user = userEvent.setup();
    try {
      renderWithProviders(<HistoryPage />);
      const row = (name: string) => screen.getAllByRole("button").find((button) => button.textContent?.startsWith(name)) as HTMLElement;
      await screen.findByText("Ada and Grace");
      expect(screen.getByTestId("history-list").querySelector("[aria-current]")).toBeNull();

      await user.click(row("Ada and Grace"));
      expect(await screen.findByText("Ada's full story")).toBeInTheDocument();
      expect(row("Ada and Grace")).toHaveAttribute("aria-current", "true");
      expect(row("Alice and Bob")).not.toHaveAttribute("aria-current");
      const card = screen.getByTestId("story-card-langgraph");
      expect(within(card).getByRole("heading", { level: 2 })).toHaveTextContent("Ada and Grace");
      expect(within(card).getByText("LangGraph")).toBeInTheDocument();
      await waitFor(() => expect(scrollIntoView).toHaveBeenCalledTimes(1));
      expect(scrollIntoView.mock.contexts[0]).toBe(screen.getByTestId("opened-story"));

      await user.click(row("Alice and Bob"));
      expect(await screen.findByText("Alice's full story")).toBeInTheDocument();
      expect(row("Alice and Bob")).toHaveAttribute("aria-current", "true");
      expect(row("Ada and Grace")).not.toHaveAttribute("aria-current");
      expect(within(screen.getByTestId("story-card-langchain")).getByRole("heading", { level: 2 })).toHaveTextContent("Alice and Bob");
      await waitFor(() => expect(scrollIntoView).toHaveBeenCalledTimes(2));
    } finally {
      delete (HTMLElement.prototype as Partial<HTMLElement>).scrollIntoView;
    }
  });

  it("shows only an evaluation run's stories, or only the others, and searches within them", async () => {
    const requests = stubApi({
      "GET /api/stories": (url) => {
        const origin = url.searchParams.get("origin");
        const stories = [makeStory({ id: 1 }), makeStory({ id: 2, combined_characters: "Ada and Grace" })].filter(
          (story) => !origin || (origin === "evaluation") === (story.id === 2),
        );
        return { stories, total: stories.length, skip: 0, limit: 10 };
      },
      "GET /api/stories/search/characters": () => [],
    });
    const user = userEvent.setup();
    renderWithProviders(<HistoryPage />);
    expect(await screen.findByText("Ada and Grace")).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText("Filter by source"), "Evaluation runs");
    await waitFor(() => expect(screen.queryByText("Alice and Bob")).not.toBeInTheDocument());
    expect(screen.getByText("Ada and Grace")).toBeInTheDocument();
    expect(screen.getByTestId("history-total")).toHaveTextContent("1 story");

    await user.selectOptions(screen.getByLabelText("Filter by source"), "Asked for");
    expect(await screen.findByText("Alice and Bob")).toBeInTheDocument();
    expect(screen.queryByText("Ada and Grace")).not.toBeInTheDocument();

    await user.type(screen.getByLabelText("Search by character"), "Zed");
    await waitFor(() =>
      expect(
        requests.some((r) => {
          const url = new URL(r.url);
          return url.pathname === "/api/stories/search/characters" && url.searchParams.get("origin") === "written";
        }),
      ).toBe(true),
    );
  });

  it("says which kind of story there is none of", async () => {
    stubApi({ "GET /api/stories": () => ({ stories: [], total: 0, skip: 0, limit: 10 }) });
    const user = userEvent.setup();
    renderWithProviders(<HistoryPage />);
    expect(await screen.findByText("No stories yet.")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Filter by source"), "Evaluation runs");
    expect(await screen.findByText("No stories from evaluation runs yet.")).toBeInTheDocument();
  });

  it("deletes all stories after confirmation", async () => {
    let deleted = false;
    stubApi({
      "GET /api/stories": () => ({ stories: deleted ? [] : [makeStory()], total: deleted ? 0 : 1, skip: 0, limit: 10 }),
      "DELETE /api/stories": () => {
        deleted = true;
        return { message: "All stories deleted successfully", deleted_count: 1 };
      },
    });
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const user = userEvent.setup();
    renderWithProviders(<HistoryPage />);
    await user.click(await screen.findByRole("button", { name: "Delete all" }));
    expect(await screen.findByText("No stories yet.")).toBeInTheDocument();
    expect(deleted).toBe(true);
  });

  it("tells an empty search apart from having no stories at all", async () => {
    stubApi({
      "GET /api/stories": () => ({ stories: [makeStory()], total: 1, skip: 0, limit: 10 }),
      "GET /api/stories/search/characters": () => [],
    });
    const user = userEvent.setup();
    renderWithProviders(<HistoryPage />);
    expect(await screen.findByText("Alice and Bob")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Search by character"), "Zed");
    expect(await screen.findByText("No stories match “Zed”.")).toBeInTheDocument();
    expect(screen.queryByText("No stories yet.")).not.toBeInTheDocument();
    expect(screen.getByTestId("history-total")).toHaveTextContent("0 stories");
  });

  it("says there are no stories yet when there are none, and names the page and the tab", async () => {
    stubApi({ "GET /api/stories": () => ({ stories: [], total: 0, skip: 0, limit: 10 }) });
    renderWithProviders(<HistoryPage />);
    expect(await screen.findByText("No stories yet.")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "History", level: 2 })).toBeInTheDocument();
    expect(document.title).toBe("History · FASTAPILLM");
  });
});
