import type { BrowserContext, Page } from "playwright-core";

// Chromium does not keep the body of a streamed fetch for the DevTools protocol, so
// `response.text()` cannot show what an event stream carried. This recorder tees every
// text/event-stream response inside the page instead: the app reads one branch unchanged, the
// test reads the raw text of the other (comment lines included).

interface RecordedStream {
  url: string;
  text: string;
  complete: boolean;
}

declare global {
  interface Window {
    __recordedStreams?: RecordedStream[];
  }
}

function installRecorder(): void {
  const original = window.fetch.bind(window);
  const streams: RecordedStream[] = [];
  window.__recordedStreams = streams;
  window.fetch = async (input, init) => {
    const response = await original(input, init);
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("text/event-stream") || !response.body) return response;
    const [forApp, forTest] = response.body.tee();
    const record: RecordedStream = { url: response.url, text: "", complete: false };
    streams.push(record);
    void (async () => {
      const reader = forTest.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) break;
        record.text += value ?? "";
      }
      record.complete = true;
    })();
    const copy = new Response(forApp, { status: response.status, statusText: response.statusText, headers: response.headers });
    Object.defineProperty(copy, "url", { value: response.url });
    return copy;
  };
}

export async function recordEventStreams(context: BrowserContext): Promise<void> {
  await context.addInitScript(installRecorder);
}

/** The raw text of the latest recorded stream whose path matches, once it has ended. */
export async function recordedStream(page: Page, path: RegExp, timeout: number): Promise<string> {
  const handle = await page.waitForFunction(
    (source) => {
      const pattern = new RegExp(source);
      const matching = (window.__recordedStreams ?? []).filter((stream) => pattern.test(new URL(stream.url).pathname));
      const latest = matching[matching.length - 1];
      return latest?.complete ? latest.text : null;
    },
    path.source,
    { timeout },
  );
  return (await handle.jsonValue()) as string;
}
