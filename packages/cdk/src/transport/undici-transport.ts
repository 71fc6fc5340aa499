import { Agent, type Dispatcher } from "undici";
import { readText } from "./read-body.js";
import { linkAbort, withTimeout } from "./timers.js";
import { connectTimeoutError, toTransportError } from "./transport-errors.js";
import type { Transport, TransportRequest, TransportResponse } from "./types.js";

/**
 * The Node transport (ARCHITECTURE §2.4): undici with a keep-alive connection pool. Exported only from
 * `@modelmesh/cdk/node`; nothing reachable from the root entry may import this file.
 */

/** Options of {@link createUndiciTransport}. */
export interface UndiciTransportOptions {
  /** A dispatcher to use (an `Agent`, `Pool`, `ProxyAgent`, `MockAgent`…); never closed by the transport. */
  agent?: Dispatcher;
  /** Maximum sockets per origin. Setting this (or `keepAliveTimeoutMs`) gives the transport its own Agent. */
  connections?: number;
  /** How long an idle socket is kept for reuse, in ms. Default 10 000. */
  keepAliveTimeoutMs?: number;
}

/** A transport that owns a connection pool; `close()` releases it (a no-op for shared or injected agents). */
export type UndiciTransport = Transport & { close(): Promise<void> };

const DEFAULT_KEEP_ALIVE_MS = 10_000;

let sharedAgent: Agent | undefined;

/** The process-wide keep-alive Agent, created on first use (never at import: STYLE pitfall 5). */
function getSharedAgent(): Agent {
  sharedAgent ??= new Agent({ keepAliveTimeout: DEFAULT_KEEP_ALIVE_MS });
  return sharedAgent;
}

/**
 * Creates the undici transport. Without options every transport shares one lazily created keep-alive Agent;
 * with `connections` / `keepAliveTimeoutMs` it creates its own Agent on first use. `headersTimeoutMs` bounds
 * connect + response headers (our own timer, so connect time counts too); the body is the socket's byte
 * stream, read incrementally.
 * @example
 * import { createUndiciTransport } from "@modelmesh/cdk/node";
 * const transport = createUndiciTransport({ connections: 32 });
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const ownsAgent = options.agent === undefined && (options.connections !== undefined || options.keepAliveTimeoutMs !== undefined);
  let ownAgent: Agent | undefined;
  const dispatcher = (): Dispatcher => {
    if (options.agent) return options.agent;
    if (!ownsAgent) return getSharedAgent();
    ownAgent ??= new Agent({
      keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS,
      ...(options.connections !== undefined ? { connections: options.connections } : {}),
    });
    return ownAgent;
  };

  const transport = async (request: TransportRequest): Promise<TransportResponse> => {
    const link = linkAbort(request.signal);
    let timeoutError: unknown;
    let response: Dispatcher.ResponseData;
    try {
      const target = new URL(request.url);
      const { headers, body } = await encodeBody(request);
      const pending = dispatcher().request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers,
        body,
        signal: link.signal,
      });
      response = await withTimeout(pending, request.headersTimeoutMs, () => timeoutError, {
        onTimeout: () => {
          timeoutError = connectTimeoutError(request.url, request.headersTimeoutMs ?? 0);
          link.controller.abort(timeoutError);
        },
      });
    } catch (error) {
      link.dispose();
      if (timeoutError !== undefined && !request.signal?.aborted) throw timeoutError;
      throw toTransportError(error, { url: request.url, phase: "connect", ...(request.signal ? { signal: request.signal } : {}) });
    }
    return wrapResponse(response, request, link.dispose);
  };

  return Object.assign(transport, {
    async close() {
      const agent = ownAgent;
      ownAgent = undefined;
      if (agent) await agent.close();
    },
  });
}

/**
 * Multipart bodies are encoded here: a `FormData` built by the runtime's global (Node's bundled undici) is not
 * understood by this undici copy's body extractor, so it is serialised through the global `Response`, which
 * also yields the boundary header.
 */
async function encodeBody(request: TransportRequest): Promise<{ headers: Record<string, string>; body: string | Uint8Array | null }> {
  if (!(request.body instanceof FormData)) return { headers: request.headers, body: request.body ?? null };
  const encoded = new Response(request.body);
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  const headers = { ...request.headers };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
    headers["content-type"] = encoded.headers.get("content-type") ?? "multipart/form-data";
  }
  return { headers, body: bytes };
}

/** Adapts undici's response to a `TransportResponse` with a one-shot incremental body. */
function wrapResponse(response: Dispatcher.ResponseData, request: TransportRequest, dispose: () => void): TransportResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const stream = response.body;
  let used = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    dispose();
  };
  const errorContext = { url: request.url, phase: "body" as const, ...(request.signal ? { signal: request.signal } : {}) };

  async function* iterate(): AsyncGenerator<Uint8Array> {
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    let complete = false;
    try {
      for (;;) {
        let step: IteratorResult<Uint8Array>;
        try {
          step = await iterator.next();
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
      // Early exit by the consumer: close the socket rather than leave a half-read body on it.
      if (!complete) destroyQuietly(stream);
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
    status: response.statusCode,
    headers,
    body,
    text: () => readText(body),
    async cancel() {
      if (finished) return;
      destroyQuietly(stream);
      finish();
    },
  };
}

/**
 * Destroys a body stream without an unhandled `error` event: undici emits an AbortError when a body is
 * destroyed while nobody is reading it, which would otherwise crash the process.
 */
function destroyQuietly(stream: Dispatcher.ResponseData["body"]): void {
  stream.on("error", () => {});
  stream.destroy();
}
