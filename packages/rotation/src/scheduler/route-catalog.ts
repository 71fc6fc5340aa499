import { routeIdOf } from "@modelmesh/core";
import type { PoolConfig, ProviderDescriptor, RotationPolicySet, RouteDescriptor, Router, RouterModel, RouterProvider } from "@modelmesh/core";

/** One route a scheduler watches, with the pool whose policies and settings apply to it. */
export interface WatchedRoute {
  route: RouteDescriptor;
  provider: ProviderDescriptor;
  model: RouterModel;
  /** The provider instance (its connector is what probes call). */
  providerEntry: RouterProvider;
  /** The first watched pool containing the route: its policies judge probe outcomes. */
  poolId: string;
  policies: RotationPolicySet;
  /** That pool's validated config entry. */
  pool: PoolConfig;
}

/** What schedulers need from a running mesh (`createMesh(...)` returns all of it). */
export interface SchedulerMesh {
  readonly router: Router;
  readonly config: { readonly pools: Readonly<Record<string, PoolConfig>> };
}

/**
 * The routes of the configured pools (all, or `poolIds`), each once: state is per route, so a route in
 * several pools is judged by the first pool listing it. The descriptors match the router's, so quota
 * counters and state keys are shared.
 */
export function catalogRoutes(mesh: SchedulerMesh, poolIds?: readonly string[]): Map<string, WatchedRoute> {
  const { router, config } = mesh;
  const out = new Map<string, WatchedRoute>();
  for (const poolId of poolIds ?? Object.keys(config.pools)) {
    const routerPool = router.pools.get(poolId);
    const pool = config.pools[poolId];
    if (routerPool === undefined || pool === undefined) continue;
    routerPool.members.forEach((modelId, order) => {
      const model = router.models.get(modelId);
      const providerEntry = model ? router.providers.get(model.providerId) : undefined;
      if (model === undefined || providerEntry === undefined) return;
      const routeId = routeIdOf(model);
      if (out.has(routeId)) return;
      const route: RouteDescriptor = {
        routeId,
        providerId: model.providerId,
        modelId: model.id,
        upstreamModel: model.upstreamModel,
        order,
        pricing: model.pricing,
        contextWindow: model.contextWindow,
        features: model.features,
        limits: model.limits,
        quotaClock: providerEntry.quotaClock,
      };
      const provider: ProviderDescriptor = { providerId: model.providerId, limits: providerEntry.limits, quotaClock: providerEntry.quotaClock };
      out.set(routeId, { route, provider, model, providerEntry, poolId, policies: routerPool.policies, pool });
    });
  }
  return out;
}
