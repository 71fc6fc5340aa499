import type { Socket } from "node:net";
import type { Agent, Client, Pool, Dispatcher, buildConnector } from "undici";
import { READ_WHOLE_TEXT, decodeChunks, type WholeTextReader } from "./read-body.js";
import { hasLimit } from "./timers.js";
import { connectTimeoutError, findErrorCode, toTransportError } from "./transport-errors.js";
import { ConfigError, type AbortWatch } from "@modelmesh/core";
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

type Undici = typeof import("undici");
let undici: Undici | undefined;

/**
 * undici, an optional peer dependency, is imported by the first request of the first undici transport: importing
 * `@modelmesh/cdk/node` for its file-based classes needs no undici.
 */
async function loadUndici(): Promise<void> {
  if (undici) return;
  try {
    // A literal specifier: a bundle of a Node program (the proxy's single-file build) carries undici along.
    undici = await import("undici");
  } catch (cause) {
    throw new ConfigError({ code: "MM_CONFIG_INVALID", issues: [{ path: "transport", message: "the undici transport needs the undici package, which is not installed: npm install undici (or pass another transport)" }], cause });
  }
}

/** The loaded undici module (every caller runs after {@link loadUndici}). */
function lib(): Undici {
  if (!undici) throw new Error("undici is not loaded yet");
  return undici;
}

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
  return new (lib().Agent)({
    keepAliveTimeout,
    connect: { timeout: connectTimeoutMs },
    ...(connections !== undefined ? { connections } : {}),
    factory: (origin, opts) => new (lib().Pool)(origin, { ...(opts as Pool.Options), factory: (url, clientOpts) => guardedClient(url, clientOpts as Client.Options) }),
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
  const client = new (lib().Client)(origin, connect ? { ...options, connect } : options);
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
 * stream, read incrementally (undici's handler interface feeds it directly: see `UndiciExchange`).
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

  const transport = (request: TransportRequest): Promise<TransportResponse> => (undici ? send(request) : loadUndici().then(() => send(request)));
  const send = (request: TransportRequest): Promise<TransportResponse> =>
    new Promise<TransportResponse>((resolve, reject) => {
      try {
        const target = splitUrl(request.url);
        if (request.body instanceof FormData) {
          encodeForm(request.headers, request.body).then(
            (encoded) => dispatchRequest(dispatcher, request, target, encoded.headers, encoded.body, resolve, reject),
            (error: unknown) => reject(connectFailure(error, request)),
          );
        } else {
          dispatchRequest(dispatcher, request, target, request.headers, request.body ?? null, resolve, reject);
        }
      } catch (error) {
        reject(connectFailure(error, request));
      }
    });

  return Object.assign(transport, {
    async close() {
      const agents = [...ownAgents.values()];
      ownAgents.clear();
      await Promise.all(agents.map((agent) => agent.close()));
    },
  });
}

/**
 * Sends one request on undici's dispatcher with an {@link UndiciExchange} as its handler: the handler interface
 * undici's own `request()` uses, without its Readable body stream, async resource and promise.
 */
function dispatchRequest(
  dispatcher: (connectTimeoutMs: number | undefined) => Dispatcher,
  request: TransportRequest,
  target: { origin: string; path: string },
  headers: Record<string, string>,
  body: string | Uint8Array | null,
  resolve: (response: TransportResponse) => void,
  reject: (error: unknown) => void,
): void {
  let exchange: UndiciExchange | undefined;
  try {
    exchange = new UndiciExchange(request, resolve, reject);
    dispatcher(request.connectTimeoutMs ?? request.headersTimeoutMs).dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: request.method,
        headers,
        body,
        // undici's own timers: headers (from sending the request) when asked; never the body, whose gaps the
        // caller bounds (the router's idle timeout), so a long-idle stream is not cut here.
        headersTimeout: hasLimit(request.headersTimeoutMs) ? request.headersTimeoutMs : 0,
        bodyTimeout: 0,
      },
      exchange,
    );
  } catch (error) {
    // Thrown before undici took the request (e.g. choosing the Agent): failed like undici's own errors.
    if (exchange) exchange.onError(error as Error);
    else reject(connectFailure(error, request));
  }
}

/** The error of a request that got no response: a transport error, or the connect timeout of its headers. */
function connectFailure(error: unknown, request: TransportRequest): unknown {
  const abort = abortOf(request);
  const failure = toTransportError(error, abort ? { url: request.url, phase: "connect", signal: abort } : { url: request.url, phase: "connect" });
  return findErrorCode(error) === "UND_ERR_HEADERS_TIMEOUT" && hasLimit(request.headersTimeoutMs) ? connectTimeoutError(request.url, request.headersTimeoutMs) : failure;
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

/**
 * The response headers as a `TransportResponse` has them: lower-cased names (undici's `parseHeaders` gives
 * them so), repeated headers joined with ", ". undici's object is used as is unless a header repeats (an array
 * value) or one is named `__proto__` (an own property there, never kept by a copy).
 */
function responseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const name in raw) {
    if (typeof raw[name] !== "string") return copyHeaders(raw);
  }
  return Object.hasOwn(raw, "__proto__") ? copyHeaders(raw) : (raw as Record<string, string>);
}

function copyHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

const ONCE: AddEventListenerOptions = { once: true };

/**
 * What a request's abort is followed through: its `abort` watch (plain callbacks, docs/ARCHITECTURE.md §2.5),
 * else its `signal`. `signal` is read only when there is no watch, since it may be created on first read.
 */
function abortOf(request: TransportRequest): AbortWatch | AbortSignal | undefined {
  return request.abort ?? request.signal;
}

/**
 * undici's handler of one request (its legacy interface, which it calls without a wrapper): resolves the
 * transport's promise with an {@link UndiciResponse} once the headers are in, then feeds that response the
 * body. It follows the caller's abort (the request's watch, else its signal) as undici's `request()` follows a
 * signal: an abort before the connection aborts it once connected, one before the headers rejects with the
 * abort's reason, one after fails the body with it.
 */
class UndiciExchange implements Dispatcher.DispatchHandler {
  readonly #request: TransportRequest;
  #resolve: ((response: TransportResponse) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  /** undici's abort of this request, once it is on a connection. */
  #abort: ((error?: Error) => void) | undefined;
  #response: UndiciResponse | undefined;
  /** Stops following the caller's abort, while the exchange follows it. */
  #unfollow: (() => void) | undefined;
  /** Set when the caller's abort happened: its reason (or undici's abort error when it has none). */
  #abortReason: Error | undefined;

  constructor(request: TransportRequest, resolve: (response: TransportResponse) => void, reject: (error: unknown) => void) {
    this.#request = request;
    this.#resolve = resolve;
    this.#reject = reject;
    const watch = request.abort;
    if (watch) {
      if (watch.aborted) this.#abortReason = abortReasonOf(watch.reason);
      else this.#unfollow = watch.onAbort((reason) => this.#aborted(reason));
      return;
    }
    const signal = request.signal;
    if (signal?.aborted) {
      this.#abortReason = abortReasonOf(signal.reason);
    } else if (signal) {
      const onAbort = () => this.#aborted(signal.reason);
      signal.addEventListener("abort", onAbort, ONCE);
      this.#unfollow = () => signal.removeEventListener("abort", onAbort);
    }
  }

  #aborted(reason: unknown): void {
    this.#unfollow = undefined;
    const error = (this.#abortReason = abortReasonOf(reason));
    if (this.#response) this.#response.fail(error);
    this.#abort?.(error);
  }

  /** Stops following the caller's abort: the response is settled or its body is done with. */
  release(): void {
    const unfollow = this.#unfollow;
    this.#unfollow = undefined;
    unfollow?.();
  }

  /** Aborts the request on its connection (a no-op once undici has the whole response). */
  abortRequest(): void {
    this.#abort?.();
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.#abortReason !== undefined) abort(this.#abortReason);
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational responses come before the real one.
    if (statusCode < 200) return true;
    const response = new UndiciResponse(statusCode, responseHeaders(lib().util.parseHeaders(rawHeaders)), this.#request, this, resume);
    this.#response = response;
    const resolve = this.#resolve;
    this.#resolve = this.#reject = undefined;
    resolve?.(response);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.#response ? this.#response.push(chunk) : true;
  }

  onComplete(): void {
    this.#response?.end();
  }

  onError(error: Error): void {
    if (this.#response) {
      this.#response.fail(error);
    } else {
      const reject = this.#reject;
      this.#resolve = this.#reject = undefined;
      this.release();
      reject?.(connectFailure(error, this.#request));
    }
  }
}

/** The error an abort ends the request with: its reason, or undici's abort error when it has none. */
function abortReasonOf(reason: unknown): Error {
  return (reason ?? new (lib().errors.RequestAbortedError)()) as Error;
}

/** Bytes of unread body held before undici is asked to stop reading the socket (undici's own default). */
const HIGH_WATER_MARK = 64 * 1024;

/** A whole-text read (see `WholeTextReader` in `read-body.ts`): its chunks, limit and progress callback. */
class TextRead {
  total = 0;
  /** Why the read stopped early (too large, or `onChunk` threw), once it did. */
  failure: { error: unknown } | undefined;
  /** Set while the read waits for more of the body. */
  resolve: ((text: string) => void) | undefined;
  reject: ((error: unknown) => void) | undefined;

  constructor(
    readonly chunks: Uint8Array[],
    readonly maxBytes: number,
    readonly tooLarge: (() => unknown) | undefined,
    readonly onChunk: (() => void) | undefined,
  ) {}

  /** Counts one chunk (kept in `chunks` by the caller) and reports it; false when the read must stop. */
  accept(chunk: Uint8Array): boolean {
    this.total += chunk.byteLength;
    if (this.total > this.maxBytes) {
      this.failure = { error: this.tooLarge ? this.tooLarge() : new RangeError(`[modelmesh] [transport] the body exceeds ${this.maxBytes} bytes`) };
      return false;
    }
    if (this.onChunk === undefined) return true;
    try {
      this.onChunk();
      return true;
    } catch (error) {
      this.failure = { error };
      return false;
    }
  }
}

/** A pending `next()`. */
interface NextRead {
  resolve: (step: IteratorResult<Uint8Array>) => void;
  reject: (error: unknown) => void;
}

/**
 * A response and the one-shot iterator of its body, fed by its {@link UndiciExchange}: unread chunks wait in a
 * queue (past {@link HIGH_WATER_MARK} bytes undici stops reading the socket until the reader catches up), a
 * pending `next()` gets the next chunk directly, and a whole-text read collects them as they come. A plain
 * object instead of closures and a generator, so a held stream costs one object here.
 */
class UndiciResponse implements TransportResponse, AsyncIterableIterator<Uint8Array>, WholeTextReader {
  readonly #request: TransportRequest;
  readonly #exchange: UndiciExchange;
  readonly #resume: () => void;
  /** Chunks received and not read yet (created with the first one). */
  #queue: Buffer[] | undefined;
  #queuedBytes = 0;
  /** undici was asked to stop reading the socket (the queue is full). */
  #paused = false;
  /** undici delivered the whole body. */
  #complete = false;
  /** The failure that ended the body early (upstream error or abort), once it happened. */
  #failure: { error: unknown } | undefined;
  #next: NextRead | undefined;
  #text: TextRead | undefined;
  #used = false;
  /** The body was read to its end, failed, was cancelled or was stopped early. */
  #finished = false;

  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    request: TransportRequest,
    exchange: UndiciExchange,
    resume: () => void,
  ) {
    this.#request = request;
    this.#exchange = exchange;
    this.#resume = resume;
  }

  // -- from the exchange ------------------------------------------------------------------------------

  /** A body chunk from undici; false asks undici to pause the socket. */
  push(chunk: Buffer): boolean {
    if (this.#finished || this.#failure !== undefined || chunk.byteLength === 0) return true;
    const text = this.#text;
    if (text) {
      if (text.accept(chunk)) text.chunks.push(chunk);
      else this.#stopText(text);
      return true;
    }
    const next = this.#next;
    if (next) {
      this.#next = undefined;
      next.resolve({ done: false, value: chunk });
      return true;
    }
    (this.#queue ??= []).push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (this.#queuedBytes < HIGH_WATER_MARK) return true;
    this.#paused = true;
    return false;
  }

  /** undici delivered the whole body. */
  end(): void {
    this.#complete = true;
    if (this.#text) {
      this.#finishText(this.#text);
    } else if (this.#next && !this.#queue?.length) {
      const next = this.#next;
      this.#next = undefined;
      this.#finish();
      next.resolve({ done: true, value: undefined });
    }
  }

  /** The body failed (a socket error, the caller's abort): unread chunks are dropped and the reader fails. */
  fail(error: unknown): void {
    if (this.#finished || this.#failure !== undefined) return;
    this.#failure = { error };
    this.#queue = undefined;
    this.#queuedBytes = 0;
    this.#exchange.release();
    const pending = this.#text ?? this.#next;
    if (pending === undefined) return;
    this.#text = this.#next = undefined;
    this.#finished = true;
    pending.reject?.(this.#bodyError(error));
  }

  // -- the reader's side ------------------------------------------------------------------------------

  /** The body: iterable once. */
  get body(): AsyncIterable<Uint8Array> {
    return this;
  }

  [Symbol.asyncIterator](): this {
    if (this.#used) throw new TypeError(READ_ONCE);
    this.#used = true;
    return this;
  }

  /** The next non-empty chunk; one read at a time. */
  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    if (this.#failure !== undefined) {
      this.#finish();
      return Promise.reject(this.#bodyError(this.#failure.error));
    }
    const chunk = this.#queue?.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.byteLength;
      if (this.#paused && this.#queuedBytes < HIGH_WATER_MARK) this.#unpause();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#complete) {
      this.#finish();
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.#next = { resolve, reject };
    });
  }

  /** Stopping early closes the socket rather than leave a half-read body on it. */
  async return(): Promise<IteratorResult<Uint8Array>> {
    await this.cancel();
    return { done: true, value: undefined };
  }

  text(): Promise<string> {
    return this[READ_WHOLE_TEXT](Infinity, undefined, undefined);
  }

  /** Collects the chunks as undici delivers them: no iterator step or promise per chunk. */
  [READ_WHOLE_TEXT](maxBytes: number, tooLarge: (() => unknown) | undefined, onChunk: (() => void) | undefined): Promise<string> {
    if (this.#used) return Promise.reject(new TypeError(READ_ONCE));
    this.#used = true;
    if (this.#finished) return Promise.resolve("");
    if (this.#failure !== undefined) {
      this.#finish();
      return Promise.reject(this.#bodyError(this.#failure.error));
    }
    // The chunks that came before the read become its chunks; they are counted and reported now.
    const read = new TextRead(this.#queue ?? [], maxBytes, tooLarge, onChunk);
    this.#queue = undefined;
    this.#queuedBytes = 0;
    for (let i = 0; i < read.chunks.length; i++) {
      if (!read.accept(read.chunks[i]!)) {
        this.#stopText(read);
        return Promise.reject(read.failure!.error);
      }
    }
    // Usually the whole body is in by now (a small JSON answer comes with its headers).
    if (this.#complete) {
      this.#finish();
      return Promise.resolve(decodeChunks(read.chunks));
    }
    return new Promise<string>((resolve, reject) => {
      read.resolve = resolve;
      read.reject = reject;
      this.#text = read;
      if (this.#paused) this.#unpause();
    });
  }

  /** Closes the socket if the body is not fully read; a pending read fails as with a dropped connection. */
  async cancel(): Promise<void> {
    if (this.#finished) return;
    this.#finish();
    this.#queue = undefined;
    this.#queuedBytes = 0;
    const pending = this.#text ?? this.#next;
    this.#text = this.#next = undefined;
    this.#exchange.abortRequest();
    pending?.reject?.(this.#bodyError(new (lib().errors.RequestAbortedError)()));
  }

  // -- internals --------------------------------------------------------------------------------------

  /** Ends a whole-text read that must stop early: releases the socket rather than leave a half-read body on it. */
  #stopText(read: TextRead): void {
    this.#text = undefined;
    this.#finish();
    this.#exchange.abortRequest();
    read.reject?.(read.failure!.error);
  }

  #finishText(read: TextRead): void {
    this.#text = undefined;
    this.#finish();
    read.resolve?.(decodeChunks(read.chunks));
  }

  #finish(): void {
    this.#finished = true;
    this.#exchange.release();
  }

  #unpause(): void {
    this.#paused = false;
    this.#resume();
  }

  #bodyError(error: unknown): unknown {
    const request = this.#request;
    const abort = abortOf(request);
    return toTransportError(error, abort ? { url: request.url, phase: "body", signal: abort } : { url: request.url, phase: "body" });
  }
}

const READ_ONCE = "[modelmesh] [transport] a response body can be read only once";
