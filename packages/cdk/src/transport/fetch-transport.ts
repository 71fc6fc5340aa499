import { proxiedUrl } from "./proxy-url.js";
import { readText } from "./read-body.js";
import { linkAbort, withTimeout } from "./timers.js";
import { connectTimeoutError, toTransportError } from "./transport-errors.js";
import type { Transport, TransportRequest, TransportResponse } from "./types.js";

/** Options of {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** The fetch implementation; default: `globalThis.fetch`, looked up on each call (never at import). */
  fetch?: typeof fetch;
  /** CORS proxy: the full target URL is appended to it as path (`http://localhost:9090/https://…`). */
  proxyUrl?: string;
}

/**
 * Creates the platform-neutral transport over WHATWG `fetch` (browsers, edge runtimes, Deno, Bun, Node ≥ 18).
 * The body is read incrementally from `response.body`, never buffered; `headersTimeoutMs` bounds connect +
 * time to response headers; aborting `signal` rejects a pending response and errors an open body.
 * @example
 * const transport = createFetchTransport({ proxyUrl: "http://localhost:9090" });
 * const res = await transport({ method: "GET", url: "https://api.example.com/v1/models", headers: {} });
 * console.log(res.status, await res.text());
 */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  return async (request) => {
    const url = options.proxyUrl ? proxiedUrl(options.proxyUrl, request.url) : request.url;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const link = linkAbort(request.signal);
    let timeoutError: unknown;
    let response: Response;
    try {
      const pending = fetchImpl(url, {
        method: request.method,
        headers: request.headers,
        // Uint8Array is a valid BodyInit at runtime; the DOM typings narrow it to ArrayBuffer-backed views.
        body: request.body as BodyInit | undefined,
        signal: link.signal,
      });
      response = await withTimeout(
        pending,
        request.headersTimeoutMs,
        () => timeoutError,
        {
          onTimeout: () => {
            timeoutError = connectTimeoutError(url, request.headersTimeoutMs ?? 0);
            link.controller.abort(timeoutError);
          },
        },
      );
    } catch (error) {
      link.dispose();
      if (timeoutError !== undefined && !request.signal?.aborted) throw timeoutError;
      throw toTransportError(error, { url, phase: "connect", ...(request.signal ? { signal: request.signal } : {}) });
    }
    return wrapResponse(response, url, request, link.dispose);
  };
}

/** Adapts a fetch `Response` to a `TransportResponse` with a one-shot incremental body. */
function wrapResponse(response: Response, url: string, request: TransportRequest, dispose: () => void): TransportResponse {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const stream = response.body;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let used = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    dispose();
  };
  const errorContext = { url, phase: "body" as const, ...(request.signal ? { signal: request.signal } : {}) };

  async function* iterate(): AsyncGenerator<Uint8Array> {
    if (!stream) return finish();
    reader = stream.getReader();
    let complete = false;
    try {
      for (;;) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (error) {
          complete = true;
          throw toTransportError(error, errorContext);
        }
        if (step.done) {
          complete = true;
          return;
        }
        if (step.value.byteLength > 0) yield step.value;
      }
    } finally {
      // Early exit by the consumer: free the connection instead of leaving the body half-read.
      if (!complete) await reader.cancel().catch(() => {});
      finish();
    }
  }

  const body: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      if (used) throw new TypeError("[modelmesh] [transport] a response body can be read only once");
      used = true;
      return iterate();
    },
  };

  return {
    status: response.status,
    headers,
    body,
    text: () => readText(body),
    async cancel() {
      if (finished) return;
      try {
        if (reader) await reader.cancel();
        else if (stream && !used) await stream.cancel();
      } catch {
        // Cancelling a body that already failed is not an error worth surfacing.
      } finally {
        finish();
      }
    },
  };
}
