/**
 * Read-only views of the mesh's routing state for `/v1/routes/health`, `/admin/state` and the route gauges of
 * `/metrics`. Everything is read from the ledger (the same state the router consults), never cached here.
 */
import { routeIdOf, type Mesh, type QuotaLimits, type RouteDescriptor, type RouterModel } from "@modelmesh/core";

/** One route (a model on a provider) as the health endpoints report it. Times are epoch ms. */
export interface RouteHealth {
  routeId: string;
  modelId: string;
  providerId: string;
  upstreamModel: string;
  /** Configured and predefined pools that contain the model. */
  pools: string[];
  status: "active" | "standby";
  circuit: "closed" | "open" | "half-open";
  /** Why it is on standby (or, while half-open, why it was). */
  reason?: string;
  /** When standby / cooldown ends (epoch ms); absent while active or when only a manual reactivation ends it. */
  standbyUntil?: number;
  cooldownLevel: number;
  consecutiveFailures: number;
  errorRate: number;
  windowSamples: number;
  inFlight: number;
  latencyEwmaMs?: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastErrorCategory?: string;
  /** Counters of the current quota windows, the caps (when configured) and when each window resets. */
  quota: { usage: Record<string, number>; limits?: QuotaLimits; resetsAt: { minute: number; day: number; month: number } };
}

/** A provider's availability. */
export interface ProviderHealth {
  providerId: string;
  status: "active" | "standby";
  reason?: string;
  until?: number;
  since?: number;
}

/** A pool and its members. */
export interface PoolView {
  id: string;
  capability?: string;
  strategy: string;
  /** Route ids in preference order. */
  members: string[];
}

/** The `/v1/routes/health` document. */
export interface RoutesHealth {
  at: number;
  routes: RouteHealth[];
  providers: ProviderHealth[];
}

/** Pools callers can name (the router's on-demand `model:` / `capability:` pools are internal). */
export function publicPools(mesh: Mesh): PoolView[] {
  const out: PoolView[] = [];
  for (const [id, pool] of mesh.router.pools) {
    if (id.includes(":")) continue;
    const members = pool.members.map((m) => mesh.router.models.get(m)).filter((m): m is RouterModel => m !== undefined);
    out.push({ id, ...(pool.capability ? { capability: pool.capability } : {}), strategy: pool.policies.selection.id, members: members.map(routeIdOf) });
  }
  return out;
}

function descriptorOf(model: RouterModel, mesh: Mesh): RouteDescriptor {
  const provider = mesh.router.providers.get(model.providerId);
  return {
    routeId: routeIdOf(model), providerId: model.providerId, modelId: model.id, upstreamModel: model.upstreamModel, order: 0,
    pricing: model.pricing, contextWindow: model.contextWindow, features: model.features, limits: model.limits, quotaClock: provider?.quotaClock,
  };
}

function defined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** Per-route and per-provider state, read from the ledger now. */
export async function routesHealth(mesh: Mesh): Promise<RoutesHealth> {
  const poolsOf = new Map<string, string[]>();
  for (const pool of publicPools(mesh)) for (const routeId of pool.members) poolsOf.set(routeId, [...(poolsOf.get(routeId) ?? []), pool.id]);
  const routes = await Promise.all(
    [...mesh.router.models.values()].map(async (model): Promise<RouteHealth> => {
      const route = descriptorOf(model, mesh);
      const [snapshot, quota] = await Promise.all([mesh.ledger.snapshot(route), mesh.ledger.quotaUsage(route)]);
      const { resetsAt, ...usage } = quota;
      return defined({
        routeId: route.routeId, modelId: model.id, providerId: model.providerId, upstreamModel: model.upstreamModel,
        pools: poolsOf.get(route.routeId) ?? [],
        status: snapshot.status, circuit: snapshot.circuit, reason: snapshot.reason, standbyUntil: snapshot.standbyUntil,
        cooldownLevel: snapshot.cooldownLevel, consecutiveFailures: snapshot.consecutiveFailures, errorRate: snapshot.errorRate,
        windowSamples: snapshot.windowSamples, inFlight: snapshot.inFlight, latencyEwmaMs: snapshot.latencyEwmaMs,
        lastSuccessAt: snapshot.lastSuccessAt, lastFailureAt: snapshot.lastFailureAt, lastErrorCategory: snapshot.lastErrorCategory,
        quota: defined({ usage: { ...usage }, limits: model.limits, resetsAt }),
      });
    }),
  );
  const providers = await Promise.all(
    [...mesh.router.providers.keys()].map(async (providerId): Promise<ProviderHealth> => {
      const status = await mesh.ledger.providerStatus(providerId);
      return defined({ providerId, status: status.status, reason: status.reason, until: status.until, since: status.since });
    }),
  );
  return { at: mesh.router.clock.now(), routes, providers };
}

/** The route ids of every model, for validating admin requests. */
export function knownRouteIds(mesh: Mesh): Set<string> {
  return new Set([...mesh.router.models.values()].map(routeIdOf));
}
