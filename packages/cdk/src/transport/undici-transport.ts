import type { Socket } from "node:net";
import { Agent, Client, Pool, type Dispatcher, type buildConnector } from "undici";
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
  /**
   * Maximum sockets per origin, busy or idle; requests beyond it wait for a free socket. Default: no cap (each
   * held stream needs its own socket, so a cap is a cap on concurrent streams to one upstream; idle sockets
   * are bounded by the keep-alive timeout and never leak, see `createAgent`). Setting this (or
   * `keepAliveTimeoutMs`) gives the transport its own Agent.
   */
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
  sharedAgent ??= createAgent(DEFAULT_KEEP_ALIVE_MS, undefined);
  return sharedAgent;
}

/**
 * An Agent whose per-origin pools cap their sockets and never keep a socket that has nothing to do right after
 * it connected. The pinned undici reconnects after a request is aborted mid-body: the aborted socket is
 * destroyed, but the aborted request goes back to the client's pending side, a new connection is opened for
 * it, and only then is the request dropped; the new socket stays idle in the pool until its keep-alive timer
 * ends. A client that disconnects mid-stream (the proxy aborts the upstream call) would leave one such socket
 * per disconnect. Each client here closes a socket whose connect found no request left to send.
 */
function createAgent(keepAliveTimeout: number, connections: number | undefined): Agent {
  return new Agent({
    keepAliveTimeout,
    ...(connections !== undefined ? { connections } : {}),
    factory: (origin, opts) => new Pool(origin, { ...(opts as Pool.Options), factory: (url, clientOpts) => guardedClient(url, clientOpts as Client.Options) }),
  });
}

/** A pool client that closes a freshly connected socket when no request is waiting for it (see {@link createAgent}). */
function guardedClient(origin: URL, options: Client.Options): Client {
  let socket: Socket | undefined;
  const connector = options.connect;
  const connect: buildConnector.connector | undefined =
    typeof connector === "function"
      ? (connectOptions, callback) =>
          connector(connectOptions, (...result) => {
            if (result[1]) socket = result[1];
            callback(...result);
          })
      : undefined;
  const client = new Client(origin, connect ? { ...options, connect } : options);
  client.on("connect", () => {
    // The client sends its pending requests right after this event; a microtask later it is settled.
    queueMicrotask(() => {
      if (client.stats.size === 0 && socket !== undefined && !socket.destroyed) socket.destroy();
    });
  });
  return client;
}

/**
 * Creates the undici transport. Without options every transport shares one lazily created keep-alive Agent;
 * with `connections` / `keepAliveTimeoutMs` it creates its own Agent on first use. Either way a pool holds at
 * most `connections` sockets per origin (when given), and an aborted body
 * closes its socket without leaving a replacement behind (see `createAgent`). `headersTimeoutMs` bounds
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
    ownAgent ??= createAgent(options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS, options.connections);
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
