/**
 * `startProxy`: the OpenAI-compatible proxy on `node:http`. The same router as the embedded library, behind
 * HTTP: any OpenAI client gets routing, failover and honest streaming without embedding ModelMesh.
 */
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { ConnectorRegistry, createMesh, MeshEventBus, type Mesh } from "@modelmesh/core";
import { createUndiciTransport } from "@modelmesh/cdk/node";
import { redisStorageConnector } from "@modelmesh/storage-redis";
import { createDefaultRegistry } from "modelmesh";
import { DecisionLog } from "./decisions.js";
import { dispatch } from "./dispatch.js";
import { answerRaw, ConnectionGate } from "./connections.js";
import { allowedOrigins, parseCorsOrigins } from "./cors.js";
import { ProxyHttpError } from "./http/errors.js";
import { isLoopbackHost } from "./http/guard.js";
import { limitsOf } from "./limits.js";
import { createLogger, type LogSink } from "./log.js";
import { MeshHost } from "./mesh-host.js";
import { ProxyMetrics } from "./metrics.js";
import { ConfigReloader, readConfigFile, servable, type ReloadResult } from "./reload.js";
import { ProxyRuntime } from "./runtime.js";

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** Config as YAML/JSON text or an object of the same shape (ignored when `configPath` is set). */
  config?: string | object;
  /** A config file to read and watch (hot reload). */
  configPath?: string;
  /** Listen port; default `proxy.port` of the config (8080). `0` picks a free port. */
  port?: number;
  /** Bind address; default `proxy.host` of the config (`127.0.0.1`). */
  host?: string;
  /** Environment for `${env:…}` and the env secret store. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Receives structured one-line JSON logs. Default: stderr. */
  log?: LogSink;
  /** How long `close()` waits for in-flight requests before aborting them. Default 10 000 ms. */
  shutdownGraceMs?: number;
  /** Watch `configPath` for changes. Default true when `configPath` is set. */
  watch?: boolean;
  /**
   * Apply a reload that turns `proxy.auth` off while it is enforced. Default false: such a reload is refused
   * (logged; `POST /admin/reload` answers 409). CLI: `modelmesh serve --allow-auth-downgrade`.
   */
  allowAuthDowngrade?: boolean;
  /**
   * Browser origins allowed through CORS whatever the config says: each an exact origin
   * (`scheme://host[:port]`) or `*`; comma-separated values are split. They turn CORS on, are added to
   * `proxy.cors.origins`, and stay through reloads (never for `/admin/*`). An invalid value rejects
   * `startProxy` with a `CorsOriginError` naming it. CLI: `modelmesh serve --cors-origin ORIGIN`.
   */
  corsOrigins?: readonly string[];
}

/** A running proxy. */
export interface ProxyHandle {
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  readonly port: number;
  /** The current mesh (after a hot reload, the new one). */
  mesh(): Mesh;
  /** Re-reads and validates the config; swaps it in when valid, keeps the running one otherwise. */
  reload(): Promise<ReloadResult>;
  /** Graceful stop: refuse new requests, finish in-flight ones within the grace period, abort the rest, flush state. */
  close(): Promise<void>;
}

/** The connector package the proxy ships; {@link createProxyRegistry} registers its descriptor up front. */
const SHIPPED_PACKAGE = "@modelmesh/storage-redis";

/**
 * A registry for which `connectors.packages: ["@modelmesh/storage-redis"]` (what configs written for the library
 * list) names the copy the proxy ships instead of importing a second one: a second copy would be a different
 * descriptor with the same id ("registered twice", e.g. in a bundle built with that `--connector`), and the
 * proxy's own dependency is the one that can always be resolved. Every other package loads as usual.
 */
class ProxyConnectorRegistry extends ConnectorRegistry {
  override load(specifier: string, path?: string): Promise<string[]> {
    if (specifier === SHIPPED_PACKAGE) return Promise.resolve([redisStorageConnector.id]);
    return super.load(specifier, path);
  }
}

/**
 * The connectors a proxy knows without `connectors.packages`: the default catalogue of `modelmesh` plus the
 * Redis storage connector (`modelmesh.redis.v1`, alias `redis`), so that instances sharing one Redis need no
 * extra install (docs/ARCHITECTURE.md §2.9). Importing `@modelmesh/storage-redis` does no work; the Redis
 * client is loaded only when a config names the connector.
 */
export function createProxyRegistry(): ConnectorRegistry {
  const defaults = createDefaultRegistry();
  return new ProxyConnectorRegistry({ connectors: [...defaults.list(), redisStorageConnector], services: defaults.services() });
}

/**
 * Builds the mesh from the config, then listens. Rejects with the ConfigError (path and line) when the config
 * is invalid, or with the listen error.
 * @example
 * import { startProxy } from "@modelmesh/proxy";
 * const proxy = await startProxy({ configPath: "modelmesh.yaml", port: 0 });
 * console.log(`OpenAI base URL: ${proxy.url}/v1`);
 * await proxy.close();
 */
export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  const log = createLogger(options.log);
  const corsOrigins = parseCorsOrigins(options.corsOrigins ?? []);
  const env = options.env ?? process.env;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const events = new MeshEventBus({ onListenerError: (error) => log.error("event listener failed", { error: (error as Error).message }) });
  const transport = createUndiciTransport({ keepAliveTimeoutMs: 10_000 });
  // A config without an enabled provider is refused at start and on reload (reload.ts, `servable`).
  const build = async (source: string | object, file: string | undefined) =>
    servable(await createMesh(source, { registry: createProxyRegistry(), transport, env, events, ...(file !== undefined ? { file } : {}) }), file);

  const initialText = options.configPath !== undefined ? await readConfigFile(options.configPath) : undefined;
  const source = initialText ?? options.config ?? {};
  let mesh: Mesh;
  try {
    mesh = await build(source, options.configPath);
  } catch (error) {
    await transport.close();
    throw error;
  }

  const host = new MeshHost(mesh, { drainMs: graceMs, log });
  const metrics = new ProxyMetrics();
  const decisions = new DecisionLog(100);
  const unsubscribe = [
    metrics.subscribe(events, () => host.mesh),
    events.on("request-end", (event) => decisions.record(event)),
    // A shared state store going out or coming back (storage.on_store_failure, docs/state-stores.md).
    events.on("store-status", (event) => {
      const fields = { state: event.state, ...(event.policy ? { policy: event.policy } : {}), reconciliations: event.reconciliations, ...(event.error ? { code: event.error.code, error: event.error.message } : {}) };
      if (event.kind === "snapshot") {
        if (event.state === "ok") log.info("state snapshot saved again", fields);
        else log.warn("state snapshot save failed: changes kept for the next save", fields);
      } else if (event.state === "ok") log.info("state store reachable again", fields);
      else log.warn(event.state === "degraded" ? "state store unreachable: serving on local state" : "state store unreachable: failing requests that need it", fields);
    }),
  ];
  let runtime!: ProxyRuntime;
  const reloader = new ConfigReloader(
    {
      ...(options.configPath !== undefined ? { path: options.configPath } : { source }),
      build,
      current: () => host.mesh,
      allowAuthDowngrade: options.allowAuthDowngrade === true,
      apply: (next) => {
        if (runtime.closing) return void next.close();
        warnOnListenChanges(host.mesh, next, log);
        const corsBefore = allowedOrigins(runtime.corsFor(host.mesh));
        host.swap(next);
        const corsAfter = allowedOrigins(runtime.corsFor(next));
        if (corsBefore.join(" ") !== corsAfter.join(" ")) logCors(log, "CORS origins changed by the reload", corsAfter, corsOrigins);
        gate.setHardCap(server);
        warnOnAccess(runtime, next, runtime.listen.host, log);
      },
      log,
    },
    initialText,
  );
  const reload = async (): Promise<ReloadResult> => {
    const result = await reloader.reload();
    metrics.reloads.inc({ outcome: result.ok ? "ok" : "error" });
    return result;
  };
  runtime = new ProxyRuntime(host, events, metrics, decisions, log, reload);
  runtime.corsOrigins = corsOrigins;

  const proxy = mesh.config.proxy;
  const limits = limitsOf(proxy);
  const server: Server = createServer(
    {
      ...(limits.maxHeaderSize !== undefined ? { maxHeaderSize: limits.maxHeaderSize } : {}),
      keepAliveTimeout: 5_000,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node checks both timeouts on this interval (30 s by default): check often enough to keep them tight.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => {
      dispatch(runtime, req, res);
    },
  );
  const gate = new ConnectionGate(() => limitsOf(host.mesh.config.proxy), metrics);
  gate.install(server);
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => onClientError(error, socket, metrics));
  const bindHost = options.host ?? proxy.host;
  try {
    await listen(server, options.port ?? proxy.port, bindHost);
  } catch (error) {
    for (const off of unsubscribe) off();
    await host.close(0);
    await transport.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  runtime.listen = { host: bindHost, port };
  // After listening, server errors are accept failures (e.g. EMFILE under a flood): log them, keep serving.
  server.on("error", (error: NodeJS.ErrnoException) => log.error("server error", { code: error.code, error: error.message }));
  const url = `http://${bindHost.includes(":") ? `[${bindHost}]` : bindHost}:${port}`;
  warnOnAccess(runtime, mesh, bindHost, log);
  if (options.configPath !== undefined && options.watch !== false) reloader.start();
  log.info("proxy listening", { url, file: options.configPath });
  if (corsOrigins.length > 0) logCors(log, "CORS on for browser clients", allowedOrigins(runtime.corsFor(mesh)), corsOrigins);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      runtime.closing = true;
      reloader.stop();
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const res of runtime.eventStreams) res.end();
      await drain(runtime, graceMs, log);
      server.closeAllConnections();
      await serverClosed;
      for (const off of unsubscribe) off();
      await host.close(0);
      await transport.close();
      log.info("proxy stopped", { url });
    })();
    return closing;
  };

  return { url, port, mesh: () => host.mesh, reload, close };
}

/** Waits for in-flight requests up to `graceMs`, then aborts the rest and gives them a moment to end cleanly. */
async function drain(runtime: ProxyRuntime, graceMs: number, log: ReturnType<typeof createLogger>): Promise<void> {
  const pending = () => Promise.all([...runtime.inFlight].map((f) => f.done));
  if (runtime.inFlight.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([pending().then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)))]);
  clearTimeout(timer);
  if (!timedOut) return;
  log.warn("shutdown grace period over; aborting in-flight requests", { inFlight: runtime.inFlight.size });
  for (const flight of runtime.inFlight) {
    flight.shutdown = true;
    flight.abort(new Error("proxy shutting down"));
  }
  await Promise.race([pending(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Malformed requests, oversized header blocks and requests too slow to arrive get a short JSON answer
 * (400, 431, 408) instead of a silent reset, unless part of a response was already written on the socket.
 */
function onClientError(error: NodeJS.ErrnoException, socket: Socket, metrics: ProxyMetrics): void {
  if (!socket.writable || (error.code === "ECONNRESET" && !socket.readable)) return void socket.destroy();
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (pending?.headersSent) return void socket.destroy();
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    metrics.requestTimeouts.inc();
    return answerRaw(socket, new ProxyHttpError(408, "invalid_request_error", "request_timeout", "[modelmesh] [proxy] the request did not arrive in time (proxy.limits.headers_timeout / request_timeout).", { closeConnection: true }));
  }
  if (error.code === "HPE_HEADER_OVERFLOW") {
    return answerRaw(socket, new ProxyHttpError(431, "invalid_request_error", "headers_too_large", "[modelmesh] [proxy] the request headers are larger than proxy.limits.max_header_size.", { closeConnection: true }));
  }
  answerRaw(socket, new ProxyHttpError(400, "invalid_request_error", "bad_request", "[modelmesh] [proxy] malformed HTTP request.", { closeConnection: true }));
}

/**
 * Says at start (and after a reload) what the access settings imply: an open proxy off loopback, auth
 * without any admin token (the admin endpoints and the dashboard are then closed to everyone), and CORS
 * for every origin while auth is off.
 */
function warnOnAccess(runtime: ProxyRuntime, mesh: Mesh, bindHost: string, log: ReturnType<typeof createLogger>): void {
  const auth = runtime.authFor(mesh);
  if (!auth.enabled && !isLoopbackHost(bindHost)) {
    log.warn("listening on a non-loopback address without proxy.auth: anyone who can reach it can use the upstreams and the admin endpoints", { host: bindHost });
  }
  if (auth.enabled && !auth.hasAdmin) log.warn("proxy.auth has no token with admin: true: the admin endpoints and the dashboard refuse every token");
  if (!auth.enabled && allowedOrigins(runtime.corsFor(mesh)).includes("*")) {
    log.warn('the CORS origins (proxy.cors.origins, --cors-origin) contain "*" while proxy.auth is off: any web page a local user visits may call the OpenAI endpoints');
  }
}

/** One line naming the origins CORS is on for (`--cors-origin` ones and those from `proxy.cors`). */
function logCors(log: ReturnType<typeof createLogger>, msg: string, origins: readonly string[], fromFlag: readonly string[]): void {
  log.info(msg, { origins, fromCorsOriginFlag: fromFlag, fromConfig: origins.filter((origin) => !fromFlag.includes(origin)), never: "/admin/*" });
}

/** Listen settings only take effect at start; say so when a reload changes them. */
function warnOnListenChanges(previous: Mesh, next: Mesh, log: ReturnType<typeof createLogger>): void {
  const a = previous.config.proxy;
  const b = next.config.proxy;
  const la = limitsOf(a);
  const lb = limitsOf(b);
  if (a.host !== b.host || a.port !== b.port || la.maxHeaderSize !== lb.maxHeaderSize || la.headersTimeoutMs !== lb.headersTimeoutMs || la.requestTimeoutMs !== lb.requestTimeoutMs) {
    log.warn("proxy.host, proxy.port and proxy.limits.max_header_size / headers_timeout / request_timeout apply at start only; restart to change them");
  }
}
