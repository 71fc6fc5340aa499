/**
 * Admin endpoints (admin token required, see README "Auth"): deactivate / reactivate a route or a provider,
 * the dry run, the dashboard's state snapshot and live event stream, and an on-demand config reload.
 */
import type { ChatCompletionRequest, DeactivationReason, EmbeddingRequest, MeshEvent, RoutingTrace } from "@modelmesh/core";
import { readOptionalJson } from "../http/body.js";
import { ProxyHttpError } from "../http/errors.js";
import { routingHeaders, sendJson } from "../http/respond.js";
import { limitsOf } from "../limits.js";
import type { RequestContext } from "../runtime.js";
import { knownRouteIds, publicPools, routesHealth } from "../state.js";

const MANUAL_REASONS: ReadonlySet<string> = new Set(["manual", "maintenance_window"]);
const KINDS: ReadonlySet<string> = new Set(["chat", "embeddings", "images", "speech", "transcription"]);

/** An optional JSON object body (empty = `{}`); a body that is there must be declared as `application/json`. */
function optionalJson(ctx: RequestContext): Promise<Record<string, unknown>> {
  const limits = limitsOf(ctx.mesh.config.proxy);
  return readOptionalJson(ctx.req, limits);
}

/** `{ reason?, until?, duration_ms? }` → a manual standby reason and its end instant. */
function standbyOf(body: Record<string, unknown>, now: number): { reason: DeactivationReason; until?: number } {
  const reason = body.reason ?? "manual";
  if (typeof reason !== "string" || !MANUAL_REASONS.has(reason)) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_reason", "[modelmesh] [proxy] `reason` must be manual or maintenance_window.");
  }
  let until: number | undefined;
  if (body.until !== undefined) until = Number(body.until);
  else if (body.duration_ms !== undefined) until = now + Number(body.duration_ms);
  if (until !== undefined && !(Number.isFinite(until) && until > now)) {
    throw new ProxyHttpError(400, "invalid_request_error", "invalid_until", "[modelmesh] [proxy] `until` (epoch ms) / `duration_ms` must lie in the future.");
  }
  return until === undefined ? { reason: reason as DeactivationReason } : { reason: reason as DeactivationReason, until };
}

/** A route id (`provider/model`) or a model id → the route id; 404 when neither is known. */
function routeIdFor(ctx: RequestContext, id: string): string {
  if (knownRouteIds(ctx.mesh).has(id)) return id;
  const model = ctx.mesh.router.models.get(id);
  if (model) return `${model.providerId}/${model.id}`;
  throw new ProxyHttpError(404, "invalid_request_error", "route_not_found", `[modelmesh] [proxy] no route "${id}". Route ids look like provider/model-id; see GET /v1/routes/health.`);
}

/** `POST /admin/routes/:routeId/deactivate|reactivate` (the id URL-encoded, or with its slash as is). */
export async function routeAction(ctx: RequestContext, id: string, action: string): Promise<void> {
  const routeId = routeIdFor(ctx, id);
  const body = await optionalJson(ctx);
  const ledger = ctx.mesh.ledger;
  if (action === "deactivate") {
    const { reason, until } = standbyOf(body, ctx.mesh.router.clock.now());
    await ledger.deactivateRoute(routeId, reason, until);
  } else await ledger.reactivateRoute(routeId);
  ctx.runtime.log.info(`admin ${action} route`, { routeId, requestId: ctx.requestId });
  const health = await routesHealth(ctx.mesh);
  sendJson(ctx.res, 200, { ok: true, action, route: health.routes.find((r) => r.routeId === routeId) }, ctx.cors);
}

/** `POST /admin/providers/:id/deactivate|reactivate`. */
export async function providerAction(ctx: RequestContext, providerId: string, action: string): Promise<void> {
  if (!ctx.mesh.router.providers.has(providerId)) {
    throw new ProxyHttpError(404, "invalid_request_error", "provider_not_found", `[modelmesh] [proxy] no provider "${providerId}"; configured: ${[...ctx.mesh.router.providers.keys()].join(", ")}.`);
  }
  const body = await optionalJson(ctx);
  if (action === "deactivate") {
    const { reason, until } = standbyOf(body, ctx.mesh.router.clock.now());
    await ctx.mesh.ledger.deactivateProvider(providerId, reason, until);
  } else await ctx.mesh.ledger.reactivateProvider(providerId);
  ctx.runtime.log.info(`admin ${action} provider`, { providerId, requestId: ctx.requestId });
  const health = await routesHealth(ctx.mesh);
  sendJson(ctx.res, 200, { ok: true, action, provider: health.providers.find((p) => p.providerId === providerId) }, ctx.cors);
}

/**
 * `POST /admin/explain`: the dry run. Body: an OpenAI request (`model`, and `messages`/`tools`/`stream` for
 * chat) plus optional `kind` (chat, embeddings, images, speech, transcription). Returns the routing trace —
 * candidates, exclusions and why, the pick in `final` — without calling any upstream.
 */
export async function explain(ctx: RequestContext): Promise<void> {
  const body = await optionalJson(ctx);
  const { kind = "chat", ...request } = body;
  if (typeof kind !== "string" || !KINDS.has(kind)) throw new ProxyHttpError(400, "invalid_request_error", "invalid_kind", `[modelmesh] [proxy] \`kind\` must be one of ${[...KINDS].join(", ")}.`);
  if (typeof request.model !== "string" || !request.model) throw new ProxyHttpError(400, "invalid_request_error", "missing_model", "[modelmesh] [proxy] `model` is required.");
  if (kind === "chat" && !Array.isArray(request.messages)) request.messages = [{ role: "user", content: "" }];
  const trace: RoutingTrace = await ctx.mesh.router.explain(request as unknown as ChatCompletionRequest | EmbeddingRequest, { kind: kind as RoutingTrace["kind"], requestId: ctx.requestId });
  sendJson(ctx.res, 200, trace, { ...ctx.cors, ...routingHeaders(ctx.requestId, trace) });
}

/** `GET /admin/state`: pools with members, per-route and per-provider state, the last 100 routing decisions. */
export async function state(ctx: RequestContext): Promise<void> {
  const health = await routesHealth(ctx.mesh);
  sendJson(ctx.res, 200, {
    at: health.at,
    pools: publicPools(ctx.mesh),
    routes: health.routes,
    providers: health.providers,
    decisions: ctx.runtime.decisions.list(),
    proxy: { uptimeMs: Date.now() - ctx.runtime.startedAt, inFlight: ctx.runtime.inFlight.size, streams: ctx.runtime.streams },
  }, { ...ctx.cors, "cache-control": "no-store" });
}

/** Largest backlog an `/admin/events` client may have before events are dropped for it. */
const MAX_EVENT_BACKLOG = 1 << 20;

/** `GET /admin/events`: the core's MeshEvents as SSE, one `data:` JSON per event, with keep-alive comments. */
export function events(ctx: RequestContext): void {
  const { res, runtime } = ctx;
  ctx.flight.detach(); // long-lived: closed at shutdown, not waited for; reloads do not wait for it either
  res.writeHead(200, { ...ctx.cors, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
  res.write(": modelmesh events\n\n");
  runtime.eventStreams.add(res);
  const off = runtime.events.on("*", (event: MeshEvent) => {
    if (res.writableLength < MAX_EVENT_BACKLOG) res.write(`data: ${JSON.stringify(event)}\n\n`);
  });
  const ping = setInterval(() => res.write(": ping\n\n"), 15_000);
  ping.unref();
  res.once("close", () => {
    off();
    clearInterval(ping);
    runtime.eventStreams.delete(res);
  });
}

/**
 * `POST /admin/reload`: re-reads and validates the config now; the running config stays when the new one is
 * refused: 422 when it is invalid (or has no enabled provider), 409 when it is valid but would turn off the
 * auth the proxy enforces (see reload.ts). Body `{ ok, error?, code? }`; no resolved value is ever in `error`.
 */
export async function reload(ctx: RequestContext): Promise<void> {
  const result = await ctx.runtime.reload();
  sendJson(ctx.res, result.ok ? 200 : result.code === "auth_downgrade" ? 409 : 422, result, ctx.cors);
}
