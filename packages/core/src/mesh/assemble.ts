/**
 * Assembling a running mesh from a validated config and connector instances: models, pools, state, router
 * (docs/ARCHITECTURE.md §2). Nothing here parses, validates or loads: `createMesh` does that with the full
 * config schema and the connector registry, the browser build (`@modelmesh/browser`) with its own small
 * validator, and both hand their results to these functions. This module and what it imports stay free of
 * zod, yaml and Node APIs (checked by the browser-bundle test of `@modelmesh/core/runtime`).
 */
import type { RouterMiddleware } from "../router/middleware.js";
import { PREDEFINED_POOLS } from "../capability/taxonomy.js";
import { poolMembers } from "../capability/resolve-name.js";
import type { CapabilityTree } from "../capability/tree.js";
import type { MeshConfig, ModelConfig, PoolConfig, ProviderEntry } from "../config/schema.js";
import { providerCapabilities, type ModelInfo, type ProviderConnectorV1 } from "../connectors/provider.js";
import type { RotationPolicySet } from "../connectors/rotation.js";
import type { StorageConnectorV1 } from "../connectors/services.js";
import { isModelMeshError } from "../errors/model-mesh-error.js";
import type { MeshEventBus } from "../events/events.js";
import type { Clock } from "../internal/clock.js";
import { Router } from "../router/router.js";
import type { RouterModel, RouterProvider, RoutingDefaults } from "../router/types.js";
import type { StoreStatus } from "../state/fallback-store.js";
import { StateLedger } from "../state/ledger.js";
import { MemoryStateStore } from "../state/memory-store.js";
import type { StateStore } from "../state/state-store.js";
import { StateSync } from "../state/sync.js";
import { providerLimits, toRouterModel } from "./model-mapping.js";
import { PoolRegistry, toRouterPool } from "./pools.js";
import type { ConnectorContext } from "../registry/registry.js";

/** The parts of a validated config that assembling a mesh reads. */
export interface RuntimeConfig {
  providers: Record<string, ProviderEntry>;
  models: Record<string, ModelConfig>;
  pools: Record<string, PoolConfig>;
  routing: MeshConfig["routing"];
  capabilities: string[];
}

/** A running mesh without its configuration machinery: what the OpenAI-shaped client and the browser build use. */
export interface MeshRuntime {
  readonly config: RuntimeConfig;
  readonly router: Router;
  readonly tree: CapabilityTree;
  readonly ledger: StateLedger;
  readonly events: MeshEventBus;
  readonly store: StateStore;
  /**
   * The state store's condition: `ok`, or, for a live shared store that cannot be reached, `degraded` (serving
   * on local state, `storage.on_store_failure: local`) or `unavailable` (`fail`). See docs/state-stores.md.
   */
  storeStatus(): StoreStatus;
  /**
   * Flushes state, closes providers and sinks, then the state: the ledger, the store, and last the storage
   * connector. Idempotent.
   */
  close(): Promise<void>;
}

/** A provider entry of the config and its connector instance, as the router sees them. */
export function routerProviderOf(name: string, entry: ProviderEntry | undefined, connector: ProviderConnectorV1): RouterProvider {
  if (entry === undefined) return { id: name, connector };
  const t = entry.timeouts;
  return {
    id: name,
    connector,
    limits: providerLimits(entry),
    quotaClock: entry.quota ? { resetTime: entry.quota.reset_time, timeZone: entry.quota.time_zone } : undefined,
    timeouts: t ? dropUndefined({ connectMs: t.connect, firstTokenMs: t.first_token, idleMs: t.idle, responseMs: t.response }) : undefined,
    responseLimits: entry.limits ? dropUndefined({ maxResponseBytes: entry.limits.max_response_size, maxEventBytes: entry.limits.max_event_size }) : undefined,
  };
}

/**
 * Models: the configured ones, plus everything a provider lists when none is configured for it or when it is in
 * `enumerate` (`providers.<name>.discovery.enumerate_models: true`: its listed models join the configured ones).
 */
export async function gatherModels(config: Pick<RuntimeConfig, "models">, providers: ReadonlyMap<string, RouterProvider>, tree: CapabilityTree, enumerate?: ReadonlySet<string>): Promise<Map<string, RouterModel>> {
  const models = new Map<string, RouterModel>();
  const catalogue = new Map<string, ModelInfo[]>();
  const listed = async (providerId: string) => {
    if (!catalogue.has(providerId)) catalogue.set(providerId, await providers.get(providerId)!.connector.listModels());
    return catalogue.get(providerId)!;
  };
  const configured = new Set<string>();
  for (const [id, model] of Object.entries(config.models)) {
    if (!model.enabled || !providers.has(model.provider)) continue;
    const info = (await listed(model.provider)).find((m) => m.id === model.model);
    models.set(id, toRouterModel(id, model.provider, model, info, providerCapabilities(providers.get(model.provider)!.connector), tree));
    configured.add(model.provider);
  }
  for (const [providerId, provider] of providers) {
    if (configured.has(providerId) && !enumerate?.has(providerId)) continue;
    for (const info of await listed(providerId)) {
      const id = `${providerId}.${info.id}`;
      // A listed model already configured under another id stays one model.
      if (configured.has(providerId) && [...models.values()].some((m) => m.providerId === providerId && m.upstreamModel === info.id)) continue;
      if (!models.has(id)) models.set(id, toRouterModel(id, providerId, undefined, info, providerCapabilities(provider.connector), tree));
    }
  }
  return models;
}

/** Builds a configured pool's rotation policies (the registry in `createMesh`, the built-ins in the browser). */
export type PoolPoliciesFactory = (id: string, pool: PoolConfig) => RotationPolicySet | Promise<RotationPolicySet>;

/** Configured pools (policies from `policiesFor`), then the predefined ones not overridden. */
export async function buildPools(
  config: Pick<RuntimeConfig, "pools">,
  models: ReadonlyMap<string, RouterModel>,
  tree: CapabilityTree,
  context: (instanceId: string) => ConnectorContext,
  policiesFor: PoolPoliciesFactory,
): Promise<PoolRegistry> {
  const pools = new PoolRegistry({ models, tree, context });
  const memberModels = [...models.values()];
  for (const [id, pool] of Object.entries(config.pools)) {
    const policies = await policiesFor(id, pool);
    const members = poolMembers({ capability: pool.capability, models: pool.models, providers: pool.providers, excludedProviders: pool.excluded_providers }, memberModels, tree);
    pools.set(toRouterPool(id, pool, members, policies, models));
  }
  for (const predefined of PREDEFINED_POOLS) {
    if (!pools.get(predefined.id)) pools.set(pools.standard({ id: predefined.id, capability: predefined.capability }));
  }
  return pools;
}

/** The mesh's state: the store, the ledger over it, and what keeps the store persisted or open. */
export interface MeshState {
  store: StateStore;
  ledger: StateLedger;
  /** Snapshots of a memory store into the storage connector (`storage.sync_policy`). */
  sync: StateSync | undefined;
  /** A storage connector whose live store is `store`: closed after it. */
  liveStorage: StorageConnectorV1 | undefined;
  /** The state store's condition. */
  status: () => StoreStatus;
}

/** Options of {@link startLocalState}. */
export interface LocalStateOptions {
  /** The store (default: a new memory store). */
  store?: StateStore;
  /** Where snapshots of the store go (`storage.sync_policy`); none: state lives as long as the process or page. */
  storage?: { connector: StorageConnectorV1; policy: MeshConfig["storage"]["sync_policy"]; intervalMs?: number };
  clock: Clock;
  events: MeshEventBus;
  /** How long a half-open probe holds its route's lease ({@link probeLeaseMs}). */
  probeLeaseMs: number;
  /** Run on close before the state (the storage connector is closed here when given). */
  closers: Array<() => Promise<void> | void>;
}

/**
 * A local state: a memory store (or the caller's), snapshotted to a storage connector when one is given
 * (loaded before the first request, saved per policy; a failing background save shows in the status and as a
 * `store-status` event until a save succeeds), and the ledger over it.
 */
export async function startLocalState(options: LocalStateOptions): Promise<MeshState> {
  const { clock, events } = options;
  const store = options.store ?? new MemoryStateStore({ clock });
  let sync: StateSync | undefined;
  let snapshotFailure: { since: number; error: { code: string; message: string } } | undefined;
  if (options.storage) {
    const storage = options.storage.connector;
    options.closers.push(() => storage.close?.());
    sync = new StateSync({
      store,
      storage,
      policy: options.storage.policy,
      intervalMs: options.storage.intervalMs,
      clock,
      onError: (error) => {
        const first = snapshotFailure === undefined;
        snapshotFailure = { since: snapshotFailure?.since ?? clock.now(), error: errorSummary(error) };
        if (first) events.emit({ type: "store-status", timestamp: clock.now(), kind: "snapshot", state: "degraded", error: snapshotFailure.error, reconciliations: 0 });
      },
      onSaved: () => {
        if (snapshotFailure === undefined) return;
        snapshotFailure = undefined;
        events.emit({ type: "store-status", timestamp: clock.now(), kind: "snapshot", state: "ok", reconciliations: 0 });
      },
    });
  }
  const current = sync;
  const ledger = new StateLedger({ store, clock, events, onChange: current ? () => current.notifyChange() : undefined, probeLeaseMs: options.probeLeaseMs });
  if (sync) await sync.start();
  const memoryStatus: StoreStatus = Object.freeze({ kind: sync ? "snapshot" : "memory", state: "ok", reconciliations: 0 });
  const status = () => (snapshotFailure === undefined ? memoryStatus : { kind: "snapshot" as const, state: "degraded" as const, since: snapshotFailure.since, error: snapshotFailure.error, reconciliations: 0 });
  return { store, ledger, sync, liveStorage: undefined, status };
}

/**
 * How long a half-open probe holds its route's lease: the longest deadline a request can have (`routing.deadline`,
 * or a pool's `deadline`), so a probe never outlives its lease, and an instance that dies mid-probe (SIGKILL: no
 * release) blocks the route's next probe for at most that long (docs/ARCHITECTURE.md §2.9).
 */
export function probeLeaseMs(config: Pick<RuntimeConfig, "routing" | "pools">): number {
  let longest = config.routing.deadline;
  for (const pool of Object.values(config.pools)) if (pool.deadline !== undefined && pool.deadline > longest) longest = pool.deadline;
  return longest;
}

/** `routing.*` as the router's defaults. */
export function routingDefaults(config: Pick<RuntimeConfig, "routing">): RoutingDefaults {
  return {
    deadlineMs: config.routing.deadline,
    connectMs: config.routing.timeouts.connect,
    firstTokenMs: config.routing.timeouts.first_token,
    idleMs: config.routing.timeouts.idle,
    responseMs: config.routing.timeouts.response,
    resumeStreams: config.routing.stream.resume,
    streamCommit: config.routing.stream.commit,
  };
}

/** What {@link assembleMesh} puts together. */
export interface AssembleMeshParts<C extends RuntimeConfig> {
  config: C;
  providers: Map<string, RouterProvider>;
  models: Map<string, RouterModel>;
  pools: PoolRegistry;
  tree: CapabilityTree;
  state: MeshState;
  clock: Clock;
  events: MeshEventBus;
  random?: () => number;
  /** Router middleware, outermost first. */
  middleware?: readonly RouterMiddleware[];
  /** Closed first on `close()` (providers, sinks), in order. */
  closers: Array<() => Promise<void> | void>;
}

/** The router over the parts, and the mesh object with its ordered `close()`. */
export function assembleMesh<C extends RuntimeConfig>(parts: AssembleMeshParts<C>): MeshRuntime & { readonly config: C } {
  const { config, providers, models, pools, tree, state, clock, events, closers } = parts;
  const { store, ledger, sync, liveStorage, status } = state;
  const router = new Router({ providers, models, pools, tree, ledger, clock, events, random: parts.random, defaults: routingDefaults(config), ...(parts.middleware ? { middleware: parts.middleware } : {}) });
  let closed: Promise<void> | undefined;
  return {
    config,
    router,
    tree,
    ledger,
    events,
    store,
    storeStatus: status,
    close() {
      closed ??= (async () => {
        if (sync) await sync.stop();
        const results = await Promise.allSettled(closers.map((close) => close()));
        ledger.close();
        // The store before the connector it came from (docs/ARCHITECTURE.md §2.9).
        results.push(...(await Promise.allSettled([store.close?.()])));
        if (liveStorage) results.push(...(await Promise.allSettled([liveStorage.close?.()])));
        const failure = results.find((r) => r.status === "rejected");
        if (failure) throw (failure as PromiseRejectedResult).reason;
      })();
      return closed;
    },
  };
}

/** An error's code and message for a status report (store errors carry no secret: URLs are redacted at the source). */
export function errorSummary(error: unknown): { code: string; message: string } {
  if (isModelMeshError(error)) return { code: error.code, message: error.message };
  return { code: "MM_INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
