/** Operational endpoints: liveness, readiness, route health, Prometheus metrics and the dashboard page. */
import { seesAllPools, type Principal } from "../auth.js";
import { DASHBOARD_SECURITY_HEADERS, dashboardHtml } from "../dashboard/page.js";
import { sendJson, sendText } from "../http/respond.js";
import type { RequestContext } from "../runtime.js";
import { routesHealth, type RoutesHealth } from "../state.js";

/** `GET /healthz`: the process is up and serving HTTP. */
export function healthz(ctx: RequestContext): void {
  sendJson(ctx.res, 200, { status: "ok", uptimeMs: Date.now() - ctx.runtime.startedAt }, ctx.cors);
}

/**
 * `GET /readyz`: 200 once the mesh is built and while not shutting down; 503 otherwise. The state store's
 * condition is part of it: with a shared store out, `storage.on_store_failure: local` keeps the instance in
 * rotation (200, `status: "degraded"`: it serves on local state) while `fail` takes it out (503,
 * `status: "store_unavailable"`: its requests would fail). docs/state-stores.md.
 */
export function readyz(ctx: RequestContext): void {
  if (ctx.runtime.closing) {
    sendJson(ctx.res, 503, { status: "shutting_down" }, { ...ctx.cors, connection: "close" });
    return;
  }
  const store = ctx.mesh.storeStatus();
  const body = { status: store.state === "ok" ? "ready" : store.state === "degraded" ? "degraded" : "store_unavailable", inFlight: ctx.runtime.inFlight.size, streams: ctx.runtime.streams, store };
  sendJson(ctx.res, store.state === "unavailable" ? 503 : 200, body, ctx.cors);
}

/**
 * What of the route health a principal may see: everything for admin tokens and tokens without `pools`;
 * for a pool-restricted token only the routes of its pools (with only those pools named) and the providers
 * of those routes, so one tenant never learns another tenant's routes, pools or providers.
 */
export function visibleHealth(health: RoutesHealth, principal: Principal): RoutesHealth {
  if (seesAllPools(principal)) return health;
  const allowed = new Set(principal.pools);
  const routes = health.routes.filter((r) => r.pools.some((p) => allowed.has(p))).map((r) => ({ ...r, pools: r.pools.filter((p) => allowed.has(p)) }));
  const providers = new Set(routes.map((r) => r.providerId));
  return { at: health.at, routes, providers: health.providers.filter((p) => providers.has(p.providerId)) };
}

/** `GET /v1/routes/health`: per route status, circuit, cooldown, reason and quota usage; per provider status. */
export async function routeHealth(ctx: RequestContext): Promise<void> {
  sendJson(ctx.res, 200, visibleHealth(await routesHealth(ctx.mesh), ctx.principal), ctx.cors);
}

/** `GET /metrics`: Prometheus text exposition 0.0.4. */
export async function metrics(ctx: RequestContext): Promise<void> {
  sendText(ctx.res, 200, await ctx.runtime.metrics.render(ctx.mesh), "text/plain; version=0.0.4; charset=utf-8", ctx.cors);
}

/**
 * `GET /dashboard`: the live dashboard page (its data comes from `/admin/state` and `/admin/events`), with
 * its Content-Security-Policy as a header too (`frame-ancestors` works only there) and no framing.
 */
export function dashboard(ctx: RequestContext): void {
  sendText(ctx.res, 200, dashboardHtml(), "text/html; charset=utf-8", { ...DASHBOARD_SECURITY_HEADERS, "cache-control": "no-store" });
}
