/**
 * The request pipeline of the proxy: request id → shutdown check → connection admission → Host check →
 * CORS → route table → endpoint filter → auth → Origin check (auth off) → body media type → handler, with
 * errors mapped to OpenAI-style answers and per-request accounting (in-flight, metrics, mesh lease,
 * client-disconnect abort). docs/security.md describes each check.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isModelMeshError, type AbortWatch, type Mesh } from "@modelmesh/core";
import { OPEN_PRINCIPAL, requireAdmin, requireMetricsAccess, type Principal, type TokenAuth } from "./auth.js";
import { rejectionError, rejectionOf } from "./connections.js";
import { requireJsonBody } from "./http/body.js";
import { errorReply, logMessage, ProxyHttpError } from "./http/errors.js";
import { checkHost, checkOrigin } from "./http/guard.js";
import { corsHeaders, NO_CORS, sendError, sendPreflight } from "./http/respond.js";
import { upstreamUrlOf } from "./log.js";
import * as admin from "./routes/admin.js";
import * as openai from "./routes/openai.js";
import * as ops from "./routes/ops.js";
import { Flight, type ProxyRuntime, type RequestContext } from "./runtime.js";

/** `metrics`: open unless auth is on and `proxy.auth.public_metrics` is not set (see auth.ts). */
type Access = "public" | "client" | "admin" | "metrics";
type Handler = (ctx: RequestContext, params: string[]) => void | Promise<void>;

interface RouteEntry {
  method: "GET" | "POST";
  path: string | RegExp;
  access: Access;
  /** Metric label. */
  endpoint: string;
  /** An OpenAI endpoint (subject to `proxy.endpoints`). */
  openai?: boolean;
  /** Admin GET that browsers open directly (EventSource): the token may come as `?token=`. */
  queryToken?: boolean;
  /** A JSON body is required (`json`) or optional (`optional-json`): declared as anything else, a 415. */
  body?: "json" | "optional-json";
  handler: Handler;
}

const ROUTES: readonly RouteEntry[] = [
  { method: "POST", path: "/v1/chat/completions", access: "client", endpoint: "chat", openai: true, body: "json", handler: (c) => openai.chatCompletions(c) },
  { method: "POST", path: "/v1/embeddings", access: "client", endpoint: "embeddings", openai: true, body: "json", handler: (c) => openai.embeddings(c) },
  { method: "POST", path: "/v1/images/generations", access: "client", endpoint: "images", openai: true, body: "json", handler: (c) => openai.imageGenerations(c) },
  { method: "POST", path: "/v1/audio/speech", access: "client", endpoint: "speech", openai: true, body: "json", handler: (c) => openai.speech(c) },
  { method: "POST", path: "/v1/audio/transcriptions", access: "client", endpoint: "transcriptions", openai: true, handler: (c) => openai.transcriptions(c) },
  { method: "GET", path: "/v1/models", access: "client", endpoint: "models", openai: true, handler: (c) => openai.listModels(c) },
  { method: "GET", path: "/v1/routes/health", access: "client", endpoint: "routes_health", handler: (c) => ops.routeHealth(c) },
  { method: "GET", path: "/healthz", access: "public", endpoint: "healthz", handler: (c) => ops.healthz(c) },
  { method: "GET", path: "/readyz", access: "public", endpoint: "readyz", handler: (c) => ops.readyz(c) },
  { method: "GET", path: "/metrics", access: "metrics", endpoint: "metrics", handler: (c) => ops.metrics(c) },
  { method: "GET", path: "/dashboard", access: "public", endpoint: "dashboard", handler: (c) => ops.dashboard(c) },
  { method: "GET", path: "/admin/state", access: "admin", endpoint: "admin_state", queryToken: true, handler: (c) => admin.state(c) },
  { method: "GET", path: "/admin/events", access: "admin", endpoint: "admin_events", queryToken: true, handler: (c) => admin.events(c) },
  { method: "POST", path: "/admin/explain", access: "admin", endpoint: "admin_explain", body: "optional-json", handler: (c) => admin.explain(c) },
  { method: "POST", path: "/admin/reload", access: "admin", endpoint: "admin_reload", body: "optional-json", handler: (c) => admin.reload(c) },
  { method: "POST", path: /^\/admin\/routes\/(.+)\/(deactivate|reactivate)$/, access: "admin", endpoint: "admin_route", body: "optional-json", handler: (c, p) => admin.routeAction(c, p[0]!, p[1]!) },
  { method: "POST", path: /^\/admin\/providers\/([^/]+)\/(deactivate|reactivate)$/, access: "admin", endpoint: "admin_provider", body: "optional-json", handler: (c, p) => admin.providerAction(c, p[0]!, p[1]!) },
];

/** Routes with a literal path, by path (most requests are answered from here); the patterns follow. */
const EXACT = new Map<string, RouteEntry[]>();
const PATTERNS: RouteEntry[] = [];
for (const route of ROUTES) {
  if (typeof route.path !== "string") PATTERNS.push(route);
  else EXACT.set(route.path, [...(EXACT.get(route.path) ?? []), route]);
}

const NO_PARAMS: string[] = [];

function match(method: string, path: string): { route?: RouteEntry; params: string[]; pathKnown: boolean } {
  const exact = EXACT.get(path);
  if (exact) {
    for (const route of exact) if (route.method === method) return { route, params: NO_PARAMS, pathKnown: true };
    return { params: NO_PARAMS, pathKnown: true };
  }
  let pathKnown = false;
  for (const route of PATTERNS) {
    const params = (route.path as RegExp).exec(path)?.slice(1);
    if (!params) continue;
    pathKnown = true;
    if (route.method === method) return { route, params, pathKnown };
  }
  return { params: NO_PARAMS, pathKnown };
}

let counter = 0;
/** Random per process, plus its start time: ids stay unique across restarts without a clock read per request. */
const PREFIX = `${Math.random().toString(36).slice(2, 8)}-${Date.now().toString(36)}`;
/** A short unique request id (also the routing trace id). */
function nextRequestId(): string {
  return `mmp-${PREFIX}-${(++counter).toString(36)}`;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * A request target whose path WHATWG URL parsing leaves as it is: `/` then letters, digits, `-`, `_` and `/`
 * (no `//` at the start, no dot segments, no escapes), optionally followed by a query.
 */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9_\-/]*(?:\?|$)/;

/**
 * The decoded path of a request target: read directly for plain paths (every endpoint's), through
 * `new URL` otherwise (dot segments, escapes, odd characters are normalised exactly as before).
 */
function pathOf(target: string): string {
  if (PLAIN_PATH.test(target)) {
    const query = target.indexOf("?");
    return query < 0 ? target : target.slice(0, query);
  }
  return safeDecode(new URL(target, "http://proxy.invalid").pathname);
}

/** The query of a request target (parsed on first use: only admin routes read one). */
function queryOf(target: string): URLSearchParams {
  return new URL(target, "http://proxy.invalid").searchParams;
}

/** The context handed to handlers; `signal` and `query` are built only when read. */
class Context implements RequestContext {
  #query: URLSearchParams | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly path: string,
    readonly mesh: Mesh,
    readonly principal: Principal,
    readonly flight: Flight,
    readonly runtime: ProxyRuntime,
    readonly cors: Record<string, string>,
  ) {}

  get signal(): AbortSignal {
    return this.flight.signal;
  }

  get abort(): AbortWatch {
    return this.flight.watch;
  }

  get query(): URLSearchParams {
    return (this.#query ??= queryOf(this.req.url ?? "/"));
  }
}

const NO_LABELS = {};

/**
 * Serves one HTTP request. Never throws. Not an async function: the checks run synchronously and an async
 * handler's failure is caught on its promise, so no frame of this function stays suspended for the length of
 * a stream.
 */
export function dispatch(runtime: ProxyRuntime, req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  const requestId = nextRequestId();
  const target = req.url ?? "/";
  const path = pathOf(target);
  const { route, params, pathKnown } = match(req.method ?? "GET", path);
  const lease = runtime.host.acquire();
  const mesh = lease.mesh;
  const flight = new Flight(runtime, lease);
  const metrics = runtime.metrics;
  runtime.inFlight.add(flight);
  metrics.inFlight.add(NO_LABELS, 1);
  // `close` fires once per response: `on` spares the wrapper `once` allocates.
  res.on("close", () => {
    // Closed before the answer was complete: the client went away. Abort whatever is still running upstream.
    if (!res.writableFinished) flight.abort(new Error("client disconnected"));
    metrics.inFlight.add(NO_LABELS, -1);
    metrics.recordHttp(route?.endpoint ?? "unknown", res.statusCode, (performance.now() - started) / 1000);
    flight.finish();
  });
  const proxy = mesh.config.proxy;
  const corsConfig = runtime.corsFor(mesh);
  const cors = corsHeaders(req, corsConfig, path);
  try {
    if (runtime.closing && route?.endpoint !== "readyz" && route?.endpoint !== "healthz") {
      res.shouldKeepAlive = false;
      throw new ProxyHttpError(503, "server_error", "shutting_down", "[modelmesh] [proxy] the proxy is shutting down; retry on another instance.", { closeConnection: true });
    }
    const rejection = rejectionOf(req.socket);
    if (rejection !== undefined) {
      // A connection over a limit: liveness and readiness still answer, everything else gets a fast refusal.
      res.shouldKeepAlive = false;
      if (route?.endpoint !== "healthz" && route?.endpoint !== "readyz") throw rejectionError(rejection);
    }
    checkHost(req, proxy, runtime.listen);
    if (req.method === "OPTIONS" && cors !== NO_CORS) return sendPreflight(req, res, cors);
    if (!route) {
      if (pathKnown) throw new ProxyHttpError(405, "invalid_request_error", "method_not_allowed", `[modelmesh] [proxy] ${req.method} is not allowed on ${path}.`);
      throw new ProxyHttpError(404, "invalid_request_error", "not_found", `[modelmesh] [proxy] no endpoint ${path}.`);
    }
    const endpoints = proxy.endpoints;
    if (route.openai && endpoints !== undefined && !endpoints.includes(path)) {
      throw new ProxyHttpError(404, "invalid_request_error", "endpoint_disabled", `[modelmesh] [proxy] ${path} is not enabled on this proxy (proxy.endpoints).`);
    }
    const auth = runtime.authFor(mesh);
    const principal = authenticate(auth, route, req);
    if (route.method === "POST" && !auth.enabled) checkOrigin(req, corsConfig, route.access === "admin");
    if (route.body !== undefined) requireJsonBody(req, route.body === "optional-json");
    const pending = route.handler(new Context(req, res, requestId, path, mesh, principal, flight, runtime, cors), params);
    if (pending) pending.then(undefined, (error: unknown) => fail(runtime, res, requestId, path, mesh, cors, error));
  } catch (error) {
    fail(runtime, res, requestId, path, mesh, cors, error);
  }
}

/** Answers a failure (or ends a response already under way) and logs it as {@link logFailure} says. */
function fail(runtime: ProxyRuntime, res: ServerResponse, requestId: string, path: string, mesh: Mesh, cors: Record<string, string>, error: unknown): void {
  const secrets = runtime.secretsFor(mesh);
  if (!res.headersSent) sendError(res, requestId, error, cors, { secrets });
  else if (!res.writableEnded) res.destroy();
  if (!(error instanceof ProxyHttpError) && !isModelMeshError(error)) {
    runtime.log.error("unexpected error while serving a request", { requestId, path, error: logMessage((error as Error)?.stack ?? String(error), secrets) });
  } else logFailure(runtime, requestId, path, error, secrets);
}

/**
 * Every failure the router reported (an upstream error, no route, a bad name) and every proxy error whose
 * message had to be shortened or stripped of addresses for the client is logged with the full message
 * (secrets masked) and the upstream URL: the operator keeps what the client no longer sees. 5xx answers log
 * at `warn`, the rest at `info`. The proxy's own refusals (busy, shutting down, bad bodies) and client
 * disconnects are counted in the metrics, not logged one by one.
 */
function logFailure(runtime: ProxyRuntime, requestId: string, path: string, error: Error, secrets: readonly string[]): void {
  const { status, body } = errorReply(error, { secrets });
  const altered = body.error.message !== error.message;
  // The proxy's own refusals and client disconnects (499) are not worth a line each, unless shortened.
  if (!altered && (error instanceof ProxyHttpError || status === 499)) return;
  const url = upstreamUrlOf(error);
  const fields = { requestId, path, status, code: body.error.modelmesh_code, error: logMessage(error.message, secrets), ...(url ? { url } : {}) };
  if (status >= 500) runtime.log.warn("request failed", fields);
  else runtime.log.info("request failed", fields);
}

function authenticate(auth: TokenAuth, route: RouteEntry, req: IncomingMessage): Principal {
  if (route.access === "public") return OPEN_PRINCIPAL;
  if (route.access === "metrics") {
    if (!auth.metricsNeedToken) return OPEN_PRINCIPAL;
    const principal = auth.authenticate(req.headers.authorization);
    requireMetricsAccess(principal);
    return principal;
  }
  let header = req.headers.authorization;
  if (header === undefined && route.queryToken) {
    const queryToken = queryOf(req.url ?? "/").get("token");
    if (queryToken) header = `Bearer ${queryToken}`;
  }
  const principal = auth.authenticate(header);
  if (route.access === "admin") requireAdmin(principal);
  return principal;
}
