/** Operational endpoints: liveness, readiness, route health, Prometheus metrics and the dashboard page. */
import { dashboardHtml } from "../dashboard/page.js";
import { sendJson, sendText } from "../http/respond.js";
import type { RequestContext } from "../runtime.js";
import { routesHealth } from "../state.js";

/** `GET /healthz`: the process is up and serving HTTP. */
export function healthz(ctx: RequestContext): void {
  sendJson(ctx.res, 200, { status: "ok", uptimeMs: Date.now() - ctx.runtime.startedAt }, ctx.cors);
}

/** `GET /readyz`: 200 once the mesh is built and while not shutting down; 503 otherwise. */
export function readyz(ctx: RequestContext): void {
  if (ctx.runtime.closing) sendJson(ctx.res, 503, { status: "shutting_down" }, { ...ctx.cors, connection: "close" });
  else sendJson(ctx.res, 200, { status: "ready", inFlight: ctx.runtime.inFlight.size, streams: ctx.runtime.streams }, ctx.cors);
}

/** `GET /v1/routes/health`: per route status, circuit, cooldown, reason and quota usage; per provider status. */
export async function routeHealth(ctx: RequestContext): Promise<void> {
  sendJson(ctx.res, 200, await routesHealth(ctx.mesh), ctx.cors);
}

/** `GET /metrics`: Prometheus text exposition 0.0.4. */
export async function metrics(ctx: RequestContext): Promise<void> {
  sendText(ctx.res, 200, await ctx.runtime.metrics.render(ctx.mesh), "text/plain; version=0.0.4; charset=utf-8", ctx.cors);
}

/** `GET /dashboard`: the live dashboard page (its data comes from `/admin/state` and `/admin/events`). */
export function dashboard(ctx: RequestContext): void {
  sendText(ctx.res, 200, dashboardHtml(), "text/html; charset=utf-8", { ...ctx.cors, "cache-control": "no-store" });
}
