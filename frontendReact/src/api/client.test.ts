import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getAccessToken, onTokenChange, refreshAccessToken, setAccessToken } from "../auth/token";
import { createApiKey, listStories } from "../client/sdk.gen";
import { type Handler, stubApi, tokens, unauthorized } from "../test-utils";
import { ApiError, configureClient } from "./client";
import { errorResponse } from "./sseTesting";

const emptyPage = { stories: [], total: 0, skip: 0, limit: 10 };
const storyRequests = (requests: Request[]) => requests.filter((request) => new URL(request.url).pathname === "/api/stories");

/**
 * A signed-in session whose access token ("expired") has expired: a refresh (counted) hands out
 * "fresh", and each of `routes` answers a 401 to any other token.
 */
function expiredSession(routes: Record<string, Handler>) {
  const session = { refreshes: 0, requests: [] as Request[] };
  const guarded = Object.entries(routes).map(([key, handler]): [string, Handler] => [
    key,
    (url, request) => (request.headers.get("Authorization") === "Bearer fresh" ? handler(url, request) : unauthorized()),
  ]);
  session.requests = stubApi({
    "POST /api/auth/refresh": () => {
      session.refreshes += 1;
      return tokens("fresh");
    },
    ...Object.fromEntries(guarded),
  });
  setAccessToken("expired");
  return session;
}

beforeEach(() => {
  configureClient("http://localhost");
  setAccessToken(null);
});
afterEach(() => vi.unstubAllGlobals());

describe("the API client", () => {
  it("refreshes an expired access token once and sends the request again", async () => {
    const session = expiredSession({ "GET /api/stories": () => emptyPage });
    const { data } = await listStories();
    expect(data.total).toBe(0);
    expect(session.refreshes).toBe(1);
    expect(storyRequests(session.requests).map((request) => request.headers.get("Authorization"))).toEqual([
      "Bearer expired",
      "Bearer fresh",
    ]);
  });

  it("sends a request body again after the refresh", async () => {
    const session = expiredSession({
      "POST /api/auth/api-keys": async (_url, request) => {
        const { name } = (await request.json()) as { name: string };
        return { id: 1, name, key: "k", prefix: "p", created_at: "t", last_used_at: null };
      },
    });
    const { data } = await createApiKey({ body: { name: "laptop" } });
    expect(data.name).toBe("laptop");
    expect(session.requests.filter((request) => request.method === "POST" && request.url.endsWith("/api-keys"))).toHaveLength(2);
  });

  it("refreshes once for calls that meet a 401 together", async () => {
    const session = expiredSession({ "GET /api/stories": () => emptyPage });
    await Promise.all([listStories(), listStories(), listStories()]);
    expect(session.refreshes).toBe(1);
    expect(storyRequests(session.requests)).toHaveLength(6);
  });

  it("sends a request again with the token another call already refreshed, without refreshing twice", async () => {
    let refreshes = 0;
    const requests = stubApi({
      "POST /api/auth/refresh": () => {
        refreshes += 1;
        return tokens("fresh");
      },
      "GET /api/stories": async (_url, request) => {
        if (request.headers.get("Authorization") === "Bearer fresh") return emptyPage;
        await refreshAccessToken(); // another call refreshed while this one was on its way
        return unauthorized();
      },
    });
    setAccessToken("expired");
    const { data } = await listStories();
    expect(data.total).toBe(0);
    expect(refreshes).toBe(1);
    expect(storyRequests(requests).map((request) => request.headers.get("Authorization"))).toEqual(["Bearer expired", "Bearer fresh"]);
  });

  it("signs out when the refresh fails, and throws the 401 with the API's message", async () => {
    const requests = stubApi({
      "POST /api/auth/refresh": () => errorResponse(401, "No session.", "UNAUTHORIZED"),
      "GET /api/stories": () => errorResponse(401, "Sign in to continue.", "UNAUTHORIZED"),
    });
    setAccessToken("expired");
    const heard: (string | null)[] = [];
    const unsubscribe = onTokenChange((token) => heard.push(token));
    const failure = await listStories().catch((error: unknown) => error);
    unsubscribe();
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 401, code: "UNAUTHORIZED", message: "Sign in to continue." });
    expect(getAccessToken()).toBeNull();
    expect(heard).toEqual([null]);
    expect(storyRequests(requests)).toHaveLength(1); // not sent a third time
  });

  it("does not try to refresh for a visitor without a session", async () => {
    const requests = stubApi({ "GET /api/stories": () => errorResponse(401, "Sign in to continue.", "UNAUTHORIZED") });
    await expect(listStories()).rejects.toMatchObject({ status: 401, message: "Sign in to continue." });
    expect(requests.map((request) => new URL(request.url).pathname)).toEqual(["/api/stories"]);
  });

  it("throws an ApiError carrying the API's error shape", async () => {
    stubApi({
      "GET /api/stories": () =>
        new Response(
          JSON.stringify({
            error: {
              type: "validation_error",
              message: "The request is not valid.",
              code: "VALIDATION_ERROR",
              details: [{ field: "limit", message: "must be at most 100", type: "less_than_equal" }],
              request_id: "req_42",
              timestamp: "2026-11-24T09:00:00Z",
            },
          }),
          { status: 422, headers: { "content-type": "application/json" } },
        ),
    });
    const failure = await listStories({ query: { limit: 1000 } }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({
      status: 422,
      code: "VALIDATION_ERROR",
      message: "The request is not valid.",
      requestId: "req_42",
      details: [{ field: "limit", message: "must be at most 100", type: "less_than_equal" }],
    });
  });

  it("says so when the server cannot be reached, or answers without the error shape", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))),
    );
    await expect(listStories()).rejects.toMatchObject({ status: 0, message: "The server could not be reached." });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response("Bad gateway", { status: 502 })),
    );
    await expect(listStories()).rejects.toMatchObject({ status: 502, code: "UNKNOWN", message: "Request failed (502)" });
  });
});
