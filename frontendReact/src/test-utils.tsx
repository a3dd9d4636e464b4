import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
import { vi } from "vitest";
import { configureClient } from "./api/client";
import type { StoryResponse } from "./client/types.gen";
import { GenerationsProvider } from "./generations/GenerationsProvider";

export function renderWithProviders(ui: ReactElement) {
  configureClient("http://localhost");
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter>
        <GenerationsProvider>{ui}</GenerationsProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

export function makeStory(overrides: Partial<StoryResponse> = {}): StoryResponse {
  return {
    id: 1,
    primary_character: "Alice",
    secondary_character: "Bob",
    combined_characters: "Alice and Bob",
    genre: null,
    length: "short",
    story: "Once upon a time.",
    method: "langchain",
    generation_time_ms: 1234.5,
    model_time_ms: null,
    input_tokens: 40,
    output_tokens: 60,
    total_tokens: 100,
    estimated_cost_usd: 0.000123,
    provider: "test-provider",
    model: "gpt-4o-mini",
    created_at: "2026-11-24T08:00:00Z",
    transaction_guid: "550e8400-e29b-41d4-a716-446655440000",
    request_id: "req_1",
    calls: [],
    ...overrides,
  };
}

type Handler = (url: URL, init: Request) => unknown;

/** Answer fetch calls by path; records every request for assertions. */
export function stubApi(routes: Record<string, Handler>) {
  const requests: Request[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    requests.push(request.clone());
    const url = new URL(request.url);
    const key = `${request.method} ${url.pathname}`;
    const handler = routes[key];
    if (!handler) {
      return new Response(JSON.stringify({ error: { message: `no stub for ${key}`, code: "NOT_FOUND" } }), {
        status: 404,
        headers: { "content-type": "application/json" },
      });
    }
    const result = await handler(url, request);
    if (result instanceof Response) return result;
    return new Response(JSON.stringify(result), { status: 200, headers: { "content-type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetchMock);
  return requests;
}
