/** Shared state of one running proxy, and the per-request context handed to endpoint handlers. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { LazyAbort, type AbortWatch, type Mesh, type MeshEventBus } from "@modelmesh/core";
import { isSecretKey } from "@modelmesh/cdk";
import { TokenAuth, type Principal } from "./auth.js";
import { effectiveCors } from "./cors.js";
import type { DecisionLog } from "./decisions.js";
import { ProxyHttpError } from "./http/errors.js";
import type { ListenAddress } from "./http/guard.js";
import type { Logger } from "./log.js";
import type { MeshHost, MeshLease } from "./mesh-host.js";
import type { ProxyMetrics } from "./metrics.js";
import type { ReloadResult } from "./reload.js";

/** CORS settings, as in `proxy.cors` (undefined: off). */
export type ProxyCors = Mesh["config"]["proxy"]["cors"];

/** One request being served: aborted on client disconnect, or by shutdown once the grace period is over. */
export interface InFlight {
  /** Aborted when the client disconnects or shutdown gives up waiting. */
  readonly signal: AbortSignal;
  /** The same abort as `signal`, as plain callbacks (what the router follows: docs/ARCHITECTURE.md §2.5). */
  readonly watch: AbortWatch;
  /** Set when shutdown aborted it (streams then end with a `shutdown` error event). */
  shutdown: boolean;
  /** Resolves when the response is closed. */
  readonly done: Promise<void>;
  /** Aborts whatever the request still runs (upstream calls, streams). The first reason wins. */
  abort(reason: Error): void;
  /**
   * For long-lived responses (`/admin/events`): stop counting as in flight and release the mesh lease, so
   * neither shutdown nor a reload waits for it. Idempotent.
   */
  detach(): void;
}

/**
 * The {@link InFlight} of one request. Its abort is a `LazyAbort` (an AbortSignal is created only if something
 * reads `signal`) and its `done` promise is created only when something asks for it: most requests need
 * neither.
 */
export class Flight implements InFlight {
  shutdown = false;
  readonly #abort = new LazyAbort();
  #finished = false;
  #done: Promise<void> | undefined;
  #resolveDone: (() => void) | undefined;
  readonly #runtime: ProxyRuntime;
  readonly #lease: MeshLease;

  constructor(runtime: ProxyRuntime, lease: MeshLease) {
    this.#runtime = runtime;
    this.#lease = lease;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get watch(): AbortWatch {
    return this.#abort;
  }

  get done(): Promise<void> {
    if (this.#finished) return Promise.resolve();
    return (this.#done ??= new Promise<void>((resolve) => (this.#resolveDone = resolve)));
  }

  abort(reason: Error): void {
    this.#abort.abort(reason);
  }

  detach(): void {
    this.#runtime.inFlight.delete(this);
    this.#lease.release();
  }

  /** The response closed: no longer in flight, lease released, `done` resolved. */
  finish(): void {
    this.detach();
    this.#finished = true;
    this.#resolveDone?.();
  }
}

/** Everything endpoint handlers share. */
export class ProxyRuntime {
  readonly startedAt = Date.now();
  readonly inFlight = new Set<InFlight>();
  /** Open `/admin/events` streams (not counted as in flight; closed first on shutdown). */
  readonly eventStreams = new Set<ServerResponse>();
  closing = false;
  /** Where the server listens (set once bound; the Host check needs the port). */
  listen: ListenAddress = { host: "127.0.0.1", port: 0 };
  #streams = 0;
  readonly #auth = new WeakMap<Mesh, TokenAuth>();
  readonly #secrets = new WeakMap<Mesh, readonly string[]>();
  readonly #cors = new WeakMap<Mesh, ProxyCors>();
  /** Origins given at start (`--cors-origin`): added to every config's `proxy.cors`, reloads included. */
  corsOrigins: readonly string[] = [];

  constructor(
    readonly host: MeshHost,
    readonly events: MeshEventBus,
    readonly metrics: ProxyMetrics,
    readonly decisions: DecisionLog,
    readonly log: Logger,
    readonly reload: () => Promise<ReloadResult>,
  ) {}

  /** The token checker of a mesh's `proxy.auth` (built once per mesh, so a reload swaps tokens atomically). */
  authFor(mesh: Mesh): TokenAuth {
    let auth = this.#auth.get(mesh);
    if (!auth) {
      auth = new TokenAuth(mesh.config.proxy.auth);
      this.#auth.set(mesh, auth);
    }
    return auth;
  }

  /**
   * The CORS settings in force for a mesh: its `proxy.cors` merged with the start-time origins (see cors.ts).
   * Built once per mesh, so a reload swaps them with the rest of the config.
   */
  corsFor(mesh: Mesh): ProxyCors {
    if (this.#cors.has(mesh)) return this.#cors.get(mesh);
    const cors = effectiveCors(mesh.config.proxy.cors, this.corsOrigins);
    this.#cors.set(mesh, cors);
    return cors;
  }

  /**
   * The secret values of a mesh's config (proxy tokens, and provider config values under secret-named keys
   * such as `api_key`), masked wherever an error message leaves the proxy or reaches a log line.
   */
  secretsFor(mesh: Mesh): readonly string[] {
    let secrets = this.#secrets.get(mesh);
    if (!secrets) {
      const found = new Set<string>();
      for (const token of mesh.config.proxy.auth?.tokens ?? []) found.add(token.token);
      for (const provider of Object.values(mesh.config.providers)) collectSecrets((provider as { config?: unknown }).config, found, 0);
      secrets = [...found].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length);
      this.#secrets.set(mesh, secrets);
    }
    return secrets;
  }

  /** Open streaming responses now. */
  get streams(): number {
    return this.#streams;
  }

  /**
   * Reserves a streaming slot under `proxy.limits.max_concurrent_streams`; returns its release function.
   * @throws ProxyHttpError 429 `concurrent_streams_exceeded` when every slot is taken.
   */
  acquireStream(mesh: Mesh): () => void {
    const cap = mesh.config.proxy.limits.max_concurrent_streams;
    if (cap !== undefined && this.#streams >= cap) {
      throw new ProxyHttpError(429, "rate_limit_error", "concurrent_streams_exceeded", `[modelmesh] [proxy] too many concurrent streams (proxy.limits.max_concurrent_streams = ${cap}). Retry shortly or use a non-streaming request.`, { retryAfterSeconds: 1 });
    }
    this.#streams++;
    this.metrics.activeStreams.set({}, this.#streams);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#streams--;
      this.metrics.activeStreams.set({}, this.#streams);
    };
  }
}

function collectSecrets(value: unknown, into: Set<string>, depth: number): void {
  if (depth > 8 || typeof value !== "object" || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === "string" && isSecretKey(key)) into.add(inner);
    else collectSecrets(inner, into, depth + 1);
  }
}

/** What an endpoint handler gets. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Correlation id: the routing trace id, sent as `x-modelmesh-trace-id`. */
  readonly requestId: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The mesh this request runs on (leased: a reload does not pull it away mid-request). */
  readonly mesh: Mesh;
  readonly principal: Principal;
  /** Aborted when the client disconnects or shutdown gives up waiting. */
  readonly signal: AbortSignal;
  /** The same abort as plain callbacks: what the router is handed (cheaper than `signal`). */
  readonly abort: AbortWatch;
  readonly flight: InFlight;
  readonly runtime: ProxyRuntime;
  /** CORS headers to add to every answer of this request. */
  readonly cors: Record<string, string>;
}

/**
 * The router's options for one request: its abort, id, and its headers as a plain record, built only if the
 * router reads them (a pool that keys sessions by a header; most never do). A class, so the lazy `headers`
 * is one getter on the prototype rather than an accessor and a closure made per request.
 */
export class RouteOptions {
  readonly abort: AbortWatch;
  readonly requestId: string;
  readonly #req: IncomingMessage;
  #headers: Record<string, string> | undefined;

  constructor(ctx: RequestContext) {
    this.abort = ctx.abort;
    this.requestId = ctx.requestId;
    this.#req = ctx.req;
  }

  get headers(): Record<string, string> {
    return (this.#headers ??= headerRecord(this.#req));
  }
}

/** {@link RouteOptions} of a request. */
export function routeOptions(ctx: RequestContext): RouteOptions {
  return new RouteOptions(ctx);
}

/** Request headers as a plain record (for session keys; never forwarded upstream). */
export function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = req.headers;
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (key === "authorization" || key === "cookie" || value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
