/**
 * The request pipeline of the proxy: request id → shutdown check → CORS → route table → endpoint filter →
 * auth → handler, with errors mapped to OpenAI-style answers and per-request accounting (in-flight, metrics,
 * mesh lease, client-disconnect abort).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isModelMeshError } from "@modelmesh/core";
import { OPEN_PRINCIPAL, requireAdmin, type Principal } from "./auth.js";
import { ProxyHttpError } from "./http/errors.js";
import { corsHeaders, sendError, sendPreflight } from "./http/respond.js";
import * as admin from "./routes/admin.js";
import * as openai from "./routes/openai.js";
import * as ops from "./routes/ops.js";
import type { InFlight, ProxyRuntime, RequestContext } from "./runtime.js";

type Access = "public" | "client" | "admin";
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
  handler: Handler;
}

const ROUTES: readonly RouteEntry[] = [
  { method: "POST", path: "/v1/chat/completions", access: "client", endpoint: "chat", openai: true, handler: (c) => openai.chatCompletions(c) },
  { method: "POST", path: "/v1/embeddings", access: "client", endpoint: "embeddings", openai: true, handler: (c) => openai.embeddings(c) },
  { method: "POST", path: "/v1/images/generations", access: "client", endpoint: "images", openai: true, handler: (c) => openai.imageGenerations(c) },
  { method: "POST", path: "/v1/audio/speech", access: "client", endpoint: "speech", openai: true, handler: (c) => openai.speech(c) },
  { method: "POST", path: "/v1/audio/transcriptions", access: "client", endpoint: "transcriptions", openai: true, handler: (c) => openai.transcriptions(c) },
  { method: "GET", path: "/v1/models", access: "client", endpoint: "models", openai: true, handler: (c) => openai.listModels(c) },
  { method: "GET", path: "/v1/routes/health", access: "client", endpoint: "routes_health", handler: (c) => ops.routeHealth(c) },
  { method: "GET", path: "/healthz", access: "public", endpoint: "healthz", handler: (c) => ops.healthz(c) },
  { method: "GET", path: "/readyz", access: "public", endpoint: "readyz", handler: (c) => ops.readyz(c) },
  { method: "GET", path: "/metrics", access: "public", endpoint: "metrics", handler: (c) => ops.metrics(c) },
  { method: "GET", path: "/dashboard", access: "public", endpoint: "dashboard", handler: (c) => ops.dashboard(c) },
  { method: "GET", path: "/admin/state", access: "admin", endpoint: "admin_state", queryToken: true, handler: (c) => admin.state(c) },
  { method: "GET", path: "/admin/events", access: "admin", endpoint: "admin_events", queryToken: true, handler: (c) => admin.events(c) },
  { method: "POST", path: "/admin/explain", access: "admin", endpoint: "admin_explain", handler: (c) => admin.explain(c) },
  { method: "POST", path: "/admin/reload", access: "admin", endpoint: "admin_reload", handler: (c) => admin.reload(c) },
  { method: "POST", path: /^\/admin\/routes\/(.+)\/(deactivate|reactivate)$/, access: "admin", endpoint: "admin_route", handler: (c, p) => admin.routeAction(c, p[0]!, p[1]!) },
  { method: "POST", path: /^\/admin\/providers\/([^/]+)\/(deactivate|reactivate)$/, access: "admin", endpoint: "admin_provider", handler: (c, p) => admin.providerAction(c, p[0]!, p[1]!) },
];

function match(method: string, path: string): { route?: RouteEntry; params: string[]; pathKnown: boolean } {
  let pathKnown = false;
  for (const route of ROUTES) {
    let params: string[] | undefined;
    if (typeof route.path === "string") params = route.path === path ? [] : undefined;
    else params = route.path.exec(path)?.slice(1);
    if (!params) continue;
    pathKnown = true;
    if (route.method === method) return { route, params, pathKnown };
  }
  return { params: [], pathKnown };
}

let counter = 0;
const PREFIX = Math.random().toString(36).slice(2, 8);
/** A short unique request id (also the routing trace id). */
function nextRequestId(): string {
  return `mmp-${PREFIX}-${Date.now().toString(36)}-${(++counter).toString(36)}`;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Serves one HTTP request. Never throws. */
export async function dispatch(runtime: ProxyRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const requestId = nextRequestId();
  const url = new URL(req.url ?? "/", "http://proxy.invalid");
  const path = safeDecode(url.pathname);
  const { route, params, pathKnown } = match(req.method ?? "GET", path);
  const lease = runtime.host.acquire();
  const mesh = lease.mesh;
  const controller = new AbortController();
  let settle!: () => void;
  const flight: InFlight = {
    controller,
    shutdown: false,
    done: new Promise<void>((resolve) => (settle = resolve)),
    detach: () => {
      runtime.inFlight.delete(flight);
      lease.release();
    },
  };
  runtime.inFlight.add(flight);
  runtime.metrics.inFlight.add({}, 1);
  res.once("close", () => {
    // Closed before the answer was complete: the client went away. Abort whatever is still running upstream.
    if (!res.writableFinished) controller.abort(new Error("client disconnected"));
    runtime.inFlight.delete(flight);
    runtime.metrics.inFlight.add({}, -1);
    runtime.metrics.httpRequests.inc({ endpoint: route?.endpoint ?? "unknown", status: String(res.statusCode) });
    runtime.metrics.httpLatency.observe({ endpoint: route?.endpoint ?? "unknown" }, (performance.now() - started) / 1000);
    lease.release();
    settle();
  });
  const cors = corsHeaders(req, mesh.config.proxy.cors);
  try {
    if (runtime.closing && route?.endpoint !== "readyz" && route?.endpoint !== "healthz") {
      res.shouldKeepAlive = false;
      throw new ProxyHttpError(503, "server_error", "shutting_down", "[modelmesh] [proxy] the proxy is shutting down; retry on another instance.", { closeConnection: true });
    }
    if (req.method === "OPTIONS" && Object.keys(cors).length > 0) return sendPreflight(req, res, cors);
    if (!route) {
      if (pathKnown) throw new ProxyHttpError(405, "invalid_request_error", "method_not_allowed", `[modelmesh] [proxy] ${req.method} is not allowed on ${path}.`);
      throw new ProxyHttpError(404, "invalid_request_error", "not_found", `[modelmesh] [proxy] no endpoint ${path}.`);
    }
    const endpoints = mesh.config.proxy.endpoints;
    if (route.openai && endpoints !== undefined && !endpoints.includes(path)) {
      throw new ProxyHttpError(404, "invalid_request_error", "endpoint_disabled", `[modelmesh] [proxy] ${path} is not enabled on this proxy (proxy.endpoints).`);
    }
    const principal = authenticate(runtime, route, req, url, mesh);
    const ctx: RequestContext = { req, res, requestId, path, query: url.searchParams, mesh, principal, signal: controller.signal, flight, runtime, cors };
    await route.handler(ctx, params);
  } catch (error) {
    if (!res.headersSent) sendError(res, requestId, error, cors);
    else if (!res.writableEnded) res.destroy();
    if (!(error instanceof ProxyHttpError) && !isModelMeshError(error)) {
      runtime.log.error("unexpected error while serving a request", { requestId, path, error: (error as Error)?.stack ?? String(error) });
    }
  }
}

function authenticate(runtime: ProxyRuntime, route: RouteEntry, req: IncomingMessage, url: URL, mesh: RequestContext["mesh"]): Principal {
  if (route.access === "public") return OPEN_PRINCIPAL;
  let header = req.headers.authorization;
  const queryToken = url.searchParams.get("token");
  if (header === undefined && route.queryToken && queryToken) header = `Bearer ${queryToken}`;
  const principal = runtime.authFor(mesh).authenticate(header);
  if (route.access === "admin") requireAdmin(principal);
  return principal;
}
