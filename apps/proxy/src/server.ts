/**
 * `startProxy`: the OpenAI-compatible proxy on `node:http`. The same router as the embedded library, behind
 * HTTP: any OpenAI client gets routing, failover and honest streaming without embedding ModelMesh.
 */
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { createMesh, MeshEventBus, type Mesh } from "@modelmesh/core";
import { createUndiciTransport } from "@modelmesh/cdk/node";
import { createDefaultRegistry } from "modelmesh";
import { DecisionLog } from "./decisions.js";
import { dispatch } from "./dispatch.js";
import { createLogger, type LogSink } from "./log.js";
import { MeshHost } from "./mesh-host.js";
import { ProxyMetrics } from "./metrics.js";
import { ConfigReloader, readConfigFile, type ReloadResult } from "./reload.js";
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
  const env = options.env ?? process.env;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  const events = new MeshEventBus({ onListenerError: (error) => log.error("event listener failed", { error: (error as Error).message }) });
  const transport = createUndiciTransport({ keepAliveTimeoutMs: 10_000 });
  const build = (source: string | object, file: string | undefined) =>
    createMesh(source, { registry: createDefaultRegistry(), transport, env, events, ...(file !== undefined ? { file } : {}) });

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
  const unsubscribe = [metrics.subscribe(events, () => host.mesh), events.on("request-end", (event) => decisions.record(event))];
  let runtime!: ProxyRuntime;
  const reloader = new ConfigReloader(
    {
      ...(options.configPath !== undefined ? { path: options.configPath } : { source }),
      build,
      apply: (next) => {
        if (runtime.closing) return void next.close();
        warnOnListenChanges(host.mesh, next, log);
        host.swap(next);
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

  const proxy = mesh.config.proxy;
  const server: Server = createServer({ ...(proxy.limits.max_header_size !== undefined ? { maxHeaderSize: proxy.limits.max_header_size } : {}), keepAliveTimeout: 5_000 }, (req, res) => {
    void dispatch(runtime, req, res);
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => onClientError(error, socket));
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
  const url = `http://${bindHost.includes(":") ? `[${bindHost}]` : bindHost}:${port}`;
  if (!runtime.authFor(mesh).enabled && !isLoopback(bindHost)) log.warn("listening on a non-loopback address without proxy.auth: anyone who can reach it can use the upstreams and the admin endpoints", { host: bindHost });
  if (options.configPath !== undefined && options.watch !== false) reloader.start();
  log.info("proxy listening", { url, file: options.configPath });

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
    flight.controller.abort(new Error("proxy shutting down"));
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

/** Malformed requests and oversized header blocks get a short answer instead of a silent reset. */
function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (error.code === "ECONNRESET" && !socket.readable)) return void socket.destroy();
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
  const body = JSON.stringify({
    error: tooLarge
      ? { message: "[modelmesh] [proxy] the request headers are larger than proxy.limits.max_header_size.", type: "invalid_request_error", param: null, code: "headers_too_large", modelmesh_code: "PROXY_HEADERS_TOO_LARGE" }
      : { message: "[modelmesh] [proxy] malformed HTTP request.", type: "invalid_request_error", param: null, code: "bad_request", modelmesh_code: "PROXY_BAD_REQUEST" },
  });
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** Listen settings only take effect at start; say so when a reload changes them. */
function warnOnListenChanges(previous: Mesh, next: Mesh, log: ReturnType<typeof createLogger>): void {
  const a = previous.config.proxy;
  const b = next.config.proxy;
  if (a.host !== b.host || a.port !== b.port || a.limits.max_header_size !== b.limits.max_header_size) {
    log.warn("proxy.host, proxy.port and proxy.limits.max_header_size apply at start only; restart to change them");
  }
}
