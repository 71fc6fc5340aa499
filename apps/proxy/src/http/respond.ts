/** Writing answers: JSON, errors, routing headers and CORS. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { ProxyConfig, RoutingTrace } from "@modelmesh/core";
import { errorReply, type ErrorReplyOptions } from "./errors.js";

/** The routing-fact headers every routed answer carries (exposed to browsers through CORS). */
export const ROUTING_HEADERS = ["x-modelmesh-model", "x-modelmesh-provider", "x-modelmesh-attempts", "x-modelmesh-pool", "x-modelmesh-trace-id"] as const;

/**
 * Routing facts as headers: the trace id always; the answering model/provider once known; the attempt count
 * and pool whenever a trace exists (errors included).
 */
export function routingHeaders(requestId: string, trace: RoutingTrace | undefined): Record<string, string> {
  const headers: Record<string, string> = { "x-modelmesh-trace-id": requestId };
  if (!trace) return headers;
  if (trace.final) {
    headers["x-modelmesh-model"] = trace.final.modelId;
    headers["x-modelmesh-provider"] = trace.final.providerId;
  }
  headers["x-modelmesh-attempts"] = String(trace.attempts.length);
  if (trace.resolution?.poolId) headers["x-modelmesh-pool"] = trace.resolution.poolId;
  return headers;
}

/** The routing trace an error carries, if any (router errors attach it). */
export function traceOf(error: unknown): RoutingTrace | undefined {
  const trace = (error as { trace?: unknown } | null)?.trace;
  return typeof trace === "object" && trace !== null && Array.isArray((trace as RoutingTrace).attempts) ? (trace as RoutingTrace) : undefined;
}

/** Sends a JSON body with a content length. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  writeJson(res, status, JSON.stringify(body), { ...headers });
}

/**
 * Sends a routed answer: the CORS headers, the routing headers of `trace`, then the JSON body (one headers
 * object per answer, built in place).
 */
export function sendRoutedJson(res: ServerResponse, body: unknown, cors: Record<string, string>, requestId: string, trace: RoutingTrace | undefined): void {
  const text = JSON.stringify(body);
  const headers: OutgoingHttpHeaders = cors === NO_CORS ? routingHeaders(requestId, trace) : { ...cors, ...routingHeaders(requestId, trace) };
  writeJson(res, 200, text, headers);
}

/** Writes a JSON text with its content headers added to `headers` (which the caller hands over). */
function writeJson(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders): void {
  headers["content-type"] = "application/json; charset=utf-8";
  headers["content-length"] = Buffer.byteLength(text);
  headers["x-content-type-options"] = "nosniff";
  res.writeHead(status, headers);
  res.end(text);
}

/** Sends plain text. */
export function sendText(res: ServerResponse, status: number, text: string, contentType = "text/plain; charset=utf-8", headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...headers, "content-type": contentType, "content-length": Buffer.byteLength(text), "x-content-type-options": "nosniff" });
  res.end(text);
}

/**
 * Sends an OpenAI-style error answer with its status, `Retry-After` where it applies, and the routing headers
 * (trace id always). Closes the connection when the request body was left unread.
 */
export function sendError(res: ServerResponse, requestId: string, error: unknown, extra: OutgoingHttpHeaders = {}, options: ErrorReplyOptions = {}): void {
  const reply = errorReply(error, options);
  const headers: OutgoingHttpHeaders = { ...extra, ...routingHeaders(requestId, traceOf(error)), ...reply.headers };
  if (reply.headers.connection === "close") res.shouldKeepAlive = false;
  sendJson(res, reply.status, reply.body, headers);
}

/** No CORS headers (shared and frozen: handlers spread it, never change it). */
export const NO_CORS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * CORS headers for a request, per `proxy.cors`: nothing when CORS is off, the origin is not allowed, or the
 * path is under `/admin/` (admin endpoints are never open to other origins, whatever the list says); the
 * origin echoed (with `Vary: Origin`) when it is listed; `*` when every origin is allowed. Credentials are
 * never allowed (`Access-Control-Allow-Credentials` is never sent): browsers send the bearer token only when
 * a page's own script adds it.
 */
export function corsHeaders(req: IncomingMessage, cors: ProxyConfig["cors"], path: string): Record<string, string> {
  const origin = req.headers.origin;
  if (!cors || cors.enabled === false || origin === undefined || isAdminPath(path)) return NO_CORS;
  const origins = cors.origins ?? [];
  const listed = origins.includes(origin);
  const any = !listed && origins.includes("*");
  if (!listed && !any) return NO_CORS;
  const headers: Record<string, string> = {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-expose-headers": [...ROUTING_HEADERS, "retry-after"].join(", "),
  };
  if (!any) headers.vary = "Origin";
  return headers;
}

/** True for `/admin` and everything under it. */
export function isAdminPath(path: string): boolean {
  return path === "/admin" || path.startsWith("/admin/");
}

/**
 * Answers a CORS preflight (no auth needed: browsers send none on preflights): every header the browser asks
 * for (`Access-Control-Request-Headers`) is allowed, `authorization, content-type` when it asks for none; the
 * answer varies with that header too.
 */
export function sendPreflight(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): void {
  const requested = req.headers["access-control-request-headers"];
  res.writeHead(204, {
    ...cors,
    vary: cors.vary ? `${cors.vary}, Access-Control-Request-Headers` : "Access-Control-Request-Headers",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": typeof requested === "string" && requested ? requested : "authorization, content-type",
    "access-control-max-age": "600",
    "content-length": 0,
  });
  res.end();
}
