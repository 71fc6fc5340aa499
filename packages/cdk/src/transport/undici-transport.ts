import type { Socket } from "node:net";
import { Agent, Client, Pool, type Dispatcher, type buildConnector } from "undici";
import { readText } from "./read-body.js";
import { hasLimit } from "./timers.js";
import { connectTimeoutError, findErrorCode, toTransportError } from "./transport-errors.js";
import type { Transport, TransportRequest, TransportResponse } from "./types.js";

/**
 * The Node transport (docs/ARCHITECTURE.md §2.4): undici with a keep-alive connection pool. Exported only from
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

/** undici's own connect timeout, used when a request names none. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Distinct connect timeouts that get an Agent of their own; more than this share the default one. */
const MAX_AGENTS = 8;

/**
 * The process-wide keep-alive Agents, one per connect timeout in use (configs name a few), created on first use
 * (never at import: nothing runs at import). The connect timeout is an Agent setting in undici, so it is
 * applied there instead of by a timer and a linked AbortController per request.
 */
const sharedAgents = new Map<number, Agent>();

function sharedAgentFor(connectTimeoutMs: number | undefined): Agent {
  return agentIn(sharedAgents, connectTimeoutMs, (timeout) => createAgent(DEFAULT_KEEP_ALIVE_MS, undefined, timeout));
}

function agentIn(agents: Map<number, Agent>, connectTimeoutMs: number | undefined, create: (timeout: number) => Agent): Agent {
  let timeout = hasLimit(connectTimeoutMs) ? Math.ceil(connectTimeoutMs) : DEFAULT_CONNECT_TIMEOUT_MS;
  if (!agents.has(timeout) && agents.size >= MAX_AGENTS) timeout = DEFAULT_CONNECT_TIMEOUT_MS;
  let agent = agents.get(timeout);
  if (!agent) {
    agent = create(timeout);
    agents.set(timeout, agent);
  }
  return agent;
}

/**
 * An Agent whose per-origin pools cap their sockets and never keep a socket that has nothing to do right after
 * it connected. The pinned undici reconnects after a request is aborted mid-body: the aborted socket is
 * destroyed, but the aborted request goes back to the client's pending side, a new connection is opened for
 * it, and only then is the request dropped; the new socket stays idle in the pool until its keep-alive timer
 * ends. A client that disconnects mid-stream (the proxy aborts the upstream call) would leave one such socket
 * per disconnect. Each client here closes a socket whose connect found no request left to send.
 */
function createAgent(keepAliveTimeout: number, connections: number | undefined, connectTimeoutMs: number): Agent {
  return new Agent({
    keepAliveTimeout,
    connect: { timeout: connectTimeoutMs },
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
 * closes its socket without leaving a replacement behind (see `createAgent`). `connectTimeoutMs` bounds
 * connecting (an Agent setting in undici: one shared Agent per value) and `headersTimeoutMs` the wait for the
 * response headers once the request is sent (undici's per-request timer); the body is the socket's byte
 * stream, read incrementally.
 * @example
 * import { createUndiciTransport } from "@modelmesh/cdk/node";
 * const transport = createUndiciTransport({ connections: 32 });
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const ownsAgent = options.agent === undefined && (options.connections !== undefined || options.keepAliveTimeoutMs !== undefined);
  const ownAgents = new Map<number, Agent>();
  const dispatcher = (connectTimeoutMs: number | undefined): Dispatcher => {
    if (options.agent) return options.agent;
    if (!ownsAgent) return sharedAgentFor(connectTimeoutMs);
    return agentIn(ownAgents, connectTimeoutMs, (timeout) => createAgent(options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_MS, options.connections, timeout));
  };

  const transport = async (request: TransportRequest): Promise<TransportResponse> => {
    let response: Dispatcher.ResponseData;
    try {
      const target = splitUrl(request.url);
      const encoded = request.body instanceof FormData ? await encodeForm(request.headers, request.body) : undefined;
      response = await dispatcher(request.connectTimeoutMs ?? request.headersTimeoutMs).request({
        origin: target.origin,
        path: target.path,
        method: request.method,
        headers: encoded ? encoded.headers : request.headers,
        body: encoded ? encoded.body : (request.body as string | Uint8Array | undefined) ?? null,
        // The caller's signal directly: no linked controller per request.
        ...(request.signal ? { signal: request.signal } : {}),
        // undici's own timers: headers (from sending the request) when asked; never the body, whose gaps the
        // caller bounds (the router's idle timeout), so a long-idle stream is not cut here.
        headersTimeout: hasLimit(request.headersTimeoutMs) ? request.headersTimeoutMs : 0,
        bodyTimeout: 0,
      });
    } catch (error) {
      const failure = toTransportError(error, { url: request.url, phase: "connect", ...(request.signal ? { signal: request.signal } : {}) });
      throw findErrorCode(error) === "UND_ERR_HEADERS_TIMEOUT" && hasLimit(request.headersTimeoutMs) ? connectTimeoutError(request.url, request.headersTimeoutMs) : failure;
    }
    return wrapResponse(response, request);
  };

  return Object.assign(transport, {
    async close() {
      const agents = [...ownAgents.values()];
      ownAgents.clear();
      await Promise.all(agents.map((agent) => agent.close()));
    },
  });
}

/** Origin and path of the URLs seen last: providers send to a handful of endpoints, parsed once each. */
const splitUrls = new Map<string, { origin: string; path: string }>();

/** A URL's origin and path-with-query, as undici's `request` takes them. */
function splitUrl(url: string): { origin: string; path: string } {
  let split = splitUrls.get(url);
  if (split === undefined) {
    const target = new URL(url);
    split = { origin: target.origin, path: `${target.pathname}${target.search}` };
    // Bounded: a caller sending to many distinct URLs (query strings) starts over rather than grow it.
    if (splitUrls.size >= 256) splitUrls.clear();
    splitUrls.set(url, split);
  }
  return split;
}

/**
 * Multipart bodies are encoded here: a `FormData` built by the runtime's global (Node's bundled undici) is not
 * understood by this undici copy's body extractor, so it is serialised through the global `Response`, which
 * also yields the boundary header.
 */
async function encodeForm(requestHeaders: Record<string, string>, form: FormData): Promise<{ headers: Record<string, string>; body: Uint8Array }> {
  const encoded = new Response(form);
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  const headers = { ...requestHeaders };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
    headers["content-type"] = encoded.headers.get("content-type") ?? "multipart/form-data";
  }
  return { headers, body: bytes };
}

/** Adapts undici's response to a `TransportResponse` with a one-shot incremental body. */
function wrapResponse(response: Dispatcher.ResponseData, request: TransportRequest): TransportResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return new UndiciResponse(response.statusCode, headers, response.body, request);
}

/**
 * A response over undici's body stream, and the one-shot iterator of its body: a plain object instead of
 * closures and a generator, so a held stream costs one object here.
 */
class UndiciResponse implements TransportResponse, AsyncIterableIterator<Uint8Array> {
  readonly #stream: Dispatcher.ResponseData["body"];
  readonly #request: TransportRequest;
  #source: AsyncIterator<Uint8Array> | undefined;
  #used = false;
  /** The body was read to its end, failed, was cancelled or was stopped early. */
  #finished = false;

  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    stream: Dispatcher.ResponseData["body"],
    request: TransportRequest,
  ) {
    this.#stream = stream;
    this.#request = request;
  }

  /** The body: iterable once. */
  get body(): AsyncIterable<Uint8Array> {
    return this;
  }

  [Symbol.asyncIterator](): this {
    if (this.#used) throw new TypeError("[modelmesh] [transport] a response body can be read only once");
    this.#used = true;
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#finished) return { done: true, value: undefined };
    const source = (this.#source ??= this.#stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>);
    for (;;) {
      let step: IteratorResult<Uint8Array>;
      try {
        step = await source.next();
      } catch (error) {
        this.#finished = true;
        const request = this.#request;
        throw toTransportError(error, { url: request.url, phase: "body", ...(request.signal ? { signal: request.signal } : {}) });
      }
      if (step.done) {
        this.#finished = true;
        return step;
      }
      if (step.value.byteLength > 0) return step;
    }
  }

  /** Stopping early closes the socket rather than leave a half-read body on it. */
  async return(): Promise<IteratorResult<Uint8Array>> {
    await this.cancel();
    return { done: true, value: undefined };
  }

  text(): Promise<string> {
    return readText(this);
  }

  async cancel(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    destroyQuietly(this.#stream);
  }
}

/**
 * Destroys a body stream without an unhandled `error` event: undici emits an AbortError when a body is
 * destroyed while nobody is reading it, which would otherwise crash the process.
 */
function destroyQuietly(stream: Dispatcher.ResponseData["body"]): void {
  stream.on("error", () => {});
  stream.destroy();
}
