// The generated client (src/client) talks to the backend that served this page. It is set up
// here once: every call carries the session, throws an ApiError on an error answer (the
// generator's `throwOnError`), and a 401 refreshes the session once and sends the call again.
import { getAccessToken, refreshAccessToken } from "../auth/token";
import { client } from "../client/client.gen";
import type { ErrorDetail, ErrorResponse } from "../client/types.gen";

/** An API failure carrying the platform's error shape `{"error": {...}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: ErrorDetail[];

  constructor(status: number, body: unknown) {
    const error = (body as Partial<ErrorResponse> | null | undefined)?.error;
    super(error?.message ?? (status === 0 ? "The server could not be reached." : `Request failed (${status})`));
    this.name = "ApiError";
    this.status = status;
    this.code = error?.code ?? "UNKNOWN";
    this.requestId = error?.request_id ?? null;
    this.details = (error?.details ?? []) as ErrorDetail[];
  }
}

/** The one call that must never wait for itself: its 401 means the session is over. */
const REFRESH_URL = "/api/auth/refresh";

/** A fresh copy of each request that carried the session, to send again after a refresh. */
const resendable = new WeakMap<Request, Request>();

function authorize(request: Request, url: string): Request {
  const token = getAccessToken();
  if (token && !request.headers.has("Authorization")) request.headers.set("Authorization", `Bearer ${token}`);
  if (request.headers.has("Authorization") && url !== REFRESH_URL) resendable.set(request, request.clone());
  return request;
}

/**
 * The answer to `request`, refreshing the session once on a 401: the request is sent again with
 * the new token, and when the refresh fails the user is signed out (the token becomes null) and
 * the 401 stands. A request sent with a token that has since been replaced (another call
 * refreshed first) is sent again with the current one, without a second refresh.
 */
export async function refreshOn401(response: Response, request: Request): Promise<Response> {
  const copy = resendable.get(request);
  resendable.delete(request);
  if (response.status !== 401 || !copy) return response;
  const current = getAccessToken();
  if (current === null) return response; // signed out meanwhile
  const token = copy.headers.get("Authorization") === `Bearer ${current}` ? await refreshAccessToken() : current;
  if (!token) return response;
  copy.headers.set("Authorization", `Bearer ${token}`);
  return globalThis.fetch(copy);
}

let configured = false;

export function configureClient(baseUrl: string = window.location.origin): void {
  client.setConfig({ baseUrl, credentials: "same-origin" });
  if (configured) return;
  configured = true;
  client.interceptors.request.use((request, options) => authorize(request, options.url));
  client.interceptors.response.use(refreshOn401);
  client.interceptors.error.use((error, response) => (error instanceof ApiError ? error : new ApiError(response?.status ?? 0, error)));
}
