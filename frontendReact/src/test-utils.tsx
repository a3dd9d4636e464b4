import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { vi } from "vitest";
import { App } from "./App";
import { configureClient } from "./api/client";
import { errorResponse } from "./api/sseTesting";
import { AuthProvider } from "./auth/AuthProvider";
import type { ProviderResponse, StoryResponse, TokenResponse, UserOut } from "./client/types.gen";
import { GenerationsProvider } from "./generations/GenerationsProvider";

function renderAt(path: string, ui: ReactElement) {
  configureClient("http://localhost");
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
    </QueryClientProvider>,
  );
}

/** One page or component, with what it needs above it (no sign-in). */
export function renderWithProviders(ui: ReactElement) {
  return renderAt("/", <GenerationsProvider>{ui}</GenerationsProvider>);
}

/** The whole app at `path`, as main.tsx mounts it; `beside` is rendered next to it (a location probe). */
export function renderApp(path: string, beside?: ReactNode) {
  return renderAt(
    path,
    <AuthProvider>
      <GenerationsProvider>
        <App />
        {beside}
      </GenerationsProvider>
    </AuthProvider>,
  );
}

/** An account, as GET /api/auth/me answers. */
export function makeUser(overrides: Partial<UserOut> = {}): UserOut {
  return {
    id: 1,
    email: "ada@example.com",
    is_admin: false,
    is_active: true,
    created_at: "2026-11-24T08:00:00Z",
    monthly_budget_usd: null,
    ...overrides,
  };
}

/** The model the platform runs, as GET /api/provider answers (the embedded one). */
export function makeProvider(): ProviderResponse {
  return {
    provider: "embedded",
    model: "SmolLM2-135M-Instruct",
    configured: true,
    embedded: true,
    base_url: null,
    frameworks: ["semantic_kernel", "langchain", "langgraph"],
    providers: [],
  };
}

/** What sign-in, sign-up and a session refresh answer. */
export function tokens(token = "token-1"): TokenResponse {
  return { access_token: token, token_type: "bearer", expires_at: "2026-11-24T09:00:00Z" };
}

/** The API's answer to a request without a (valid) session. */
export function unauthorized(): Response {
  return errorResponse(401, "Sign in to continue.", "UNAUTHORIZED");
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

export type Handler = (url: URL, init: Request) => unknown;

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

/** The query strings of the requests made to `path`, in order. */
export function sentQueries(requests: Request[], path: string): URLSearchParams[] {
  return requests.filter((request) => new URL(request.url).pathname === path).map((request) => new URL(request.url).searchParams);
}
