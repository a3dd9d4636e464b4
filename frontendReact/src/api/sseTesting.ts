// Test helpers: server-sent event bodies, all at once or fed by the test as it goes.
const encoder = new TextEncoder();

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

/** A 200 text/event-stream answer whose body arrives in the given chunks. */
export function sseResponse(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
}

export interface LiveStream {
  response: Response;
  send: (event: string, data: unknown) => void;
  raw: (text: string) => void;
  close: () => void;
  /** Resolves when the client cancels the body (the user pressed Stop). */
  cancelled: Promise<void>;
}

/** A stream the test feeds event by event, left open until it calls close(). */
export function liveSse(): LiveStream {
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let onCancel: () => void = () => undefined;
  const cancelled = new Promise<void>((resolve) => {
    onCancel = resolve;
  });
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      onCancel();
    },
  });
  const raw = (text: string) => controller?.enqueue(encoder.encode(text));
  return {
    response: new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } }),
    raw,
    send: (event, data) => raw(sseFrame(event, data)),
    close: () => controller?.close(),
    cancelled,
  };
}

export function errorResponse(status: number, message: string, code = "ERROR"): Response {
  const body = { error: { type: "error", message, code, details: [], request_id: "req_1", timestamp: "2026-11-24T09:00:00Z" } };
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
