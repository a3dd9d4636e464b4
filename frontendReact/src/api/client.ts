// The generated client (src/client) talks to the backend that served this page.
import { getAccessToken, refreshAccessToken } from "../auth/token";
import { client } from "../client/client.gen";
import type { ErrorResponse } from "../client/types.gen";

let configured = false;

export function configureClient(baseUrl: string = window.location.origin): void {
  client.setConfig({ baseUrl, credentials: "same-origin" });
  if (configured) return;
  configured = true;
  client.interceptors.request.use((request) => {
    const token = getAccessToken();
    if (token && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${token}`);
    }
    return request;
  });
}

/** An API failure carrying the platform's error shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: { field?: string | null; message: string; type: string }[];

  constructor(status: number, body: unknown) {
    const error = (body as Partial<ErrorResponse> | undefined)?.error;
    super(error?.message ?? `Request failed (${status})`);
    this.status = status;
    this.code = error?.code ?? "UNKNOWN";
    this.requestId = error?.request_id ?? null;
    this.details = (error?.details ?? []) as ApiError["details"];
  }
}

type Result<T> = { data?: T; error?: unknown; response?: Response };

/** Run a generated-SDK call; on a 401, refresh the access token once and try again. */
export async function unwrap<T>(call: () => Promise<Result<T>>): Promise<T> {
  let result = await call();
  if (result.response?.status === 401 && getAccessToken() !== null) {
    if (await refreshAccessToken()) result = await call();
  }
  const { data, error, response } = result;
  if (error !== undefined || data === undefined) {
    throw new ApiError(response?.status ?? 0, error);
  }
  return data;
}

/** For endpoints that answer 204 No Content. */
export async function unwrapEmpty(call: () => Promise<Result<unknown>>): Promise<void> {
  let result = await call();
  if (result.response?.status === 401 && getAccessToken() !== null) {
    if (await refreshAccessToken()) result = await call();
  }
  if (result.error !== undefined || !result.response?.ok) {
    throw new ApiError(result.response?.status ?? 0, result.error);
  }
}
