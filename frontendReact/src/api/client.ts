// The generated client (src/client) talks to the backend that served this page.
import { client } from "../client/client.gen";
import type { ErrorResponse } from "../client/types.gen";

export function configureClient(baseUrl: string = window.location.origin): void {
  client.setConfig({ baseUrl });
}

/** An API failure carrying the platform's error shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(status: number, body: unknown) {
    const error = (body as Partial<ErrorResponse> | undefined)?.error;
    super(error?.message ?? `Request failed (${status})`);
    this.status = status;
    this.code = error?.code ?? "UNKNOWN";
    this.requestId = error?.request_id ?? null;
  }
}

type Result<T> = { data?: T; error?: unknown; response?: Response };

/** Unwrap a generated-SDK result, turning any error into an ApiError. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || data === undefined) {
    throw new ApiError(response?.status ?? 0, error);
  }
  return data;
}
