import { CapabilityTree } from "../capability/tree.js";
import { PREDEFINED_POOLS } from "../capability/taxonomy.js";
import { poolMembers } from "../capability/resolve-name.js";
import { DEFAULT_SECRET_STORE, type EnvRecord, type SecretResolver } from "../config/interpolate.js";
import { loadConfigWithRedaction } from "../config/load.js";
import { poolEntrySchema } from "../config/schema-pool.js";
import type { MeshConfig, PoolConfig } from "../config/schema.js";
import type { ModelInfo, ProviderConnectorV1 } from "../connectors/provider.js";
import type { DeactivationPolicyV1, RecoveryPolicyV1, RotationPolicySet, SelectionStrategyV1 } from "../connectors/rotation.js";
import type { ObservabilityConnectorV1, SecretStoreConnectorV1, StorageConnectorV1 } from "../connectors/services.js";
import { isModelMeshError } from "../errors/model-mesh-error.js";
import { MeshEventBus } from "../events/events.js";
import { systemClock, type Clock } from "../internal/clock.js";
import { ConnectorRegistry, type ConnectorContext, type ModuleImporter } from "../registry/registry.js";
import { Router } from "../router/router.js";
import type { RetrySettings, RouterModel, RouterPool, RouterProvider } from "../router/types.js";
import { StateLedger } from "../state/ledger.js";
import { MemoryStateStore } from "../state/memory-store.js";
import type { StateStore } from "../state/state-store.js";
import { StateSync } from "../state/sync.js";
import { cooldownRecoveryConnector, prioritySelectionConnector, registerCoreConnectors, thresholdDeactivationConnector, type PoolPolicyConfig } from "./builtins.js";
import { providerLimits, toRouterModel } from "./model-mapping.js";

/** Options of {@link createMesh}. Everything is explicit: nothing is read from globals implicitly. */
export interface CreateMeshOptions {
  /** Connector catalogue (core's built-in rotation parts are added if missing). */
  registry?: ConnectorRegistry;
  /** Capability tree to start from (custom nodes from the config are added to a copy). */
  tree?: CapabilityTree;
  /** File name for error messages. */
  file?: string;
  /** Environment for `${env:…}`, the env secret store and connectors. Default: `process.env` when present. */
  env?: EnvRecord;
  /** Resolves `${secrets:…}`; default: the configured secret store connector. */
  resolveSecret?: SecretResolver;
  /** Pre-built provider instances by provider name (they win over the config's connector). */
  providers?: Record<string, ProviderConnectorV1>;
  clock?: Clock;
  events?: MeshEventBus;
  random?: () => number;
  /** State store; default in-memory. */
  store?: StateStore;
  /** Runtime, checked against each connector's runtime tag. Default node when `process.versions.node` exists. */
  runtime?: "node" | "browser";
  /** Default transport handed to connectors. */
  transport?: unknown;
  /** Loads connector packages (tests, bundlers). */
  importer?: ModuleImporter;
}

/** A running mesh: the router plus the services built from the config. */
export interface Mesh {
  readonly config: MeshConfig;
  readonly router: Router;
  readonly registry: ConnectorRegistry;
  readonly tree: CapabilityTree;
  readonly ledger: StateLedger;
  readonly events: MeshEventBus;
  readonly store: StateStore;
  /** Flushes state, closes providers and sinks. Idempotent. */
  close(): Promise<void>;
}

function defaultEnv(): EnvRecord {
  const p = (globalThis as { process?: { env?: EnvRecord } }).process;
  return p?.env ?? {};
}

function defaultRuntime(): "node" | "browser" {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return p?.versions?.node ? "node" : "browser";
}

/** Parses a pool entry so on-demand and predefined pools get exactly the configured defaults. */
function defaultPoolConfig(capability?: string): PoolConfig {
  return poolEntrySchema.parse(capability ? { capability } : {}) as PoolConfig;
}

function retryOf(pool: PoolConfig): RetrySettings {
  const r = pool.retry;
  return {
    maxSameRouteRetries: r.max_attempts,
    maxTotalAttempts: r.max_total_attempts,
    backoff: r.backoff,
    initialDelayMs: r.initial_delay,
    maxDelayMs: r.max_delay,
    honorRetryAfter: r.honor_retry_after,
  };
}

/** Orders members: `model_priority` first, then models of `provider_priority` providers, then the rest. */
function prioritise(members: string[], pool: PoolConfig, models: ReadonlyMap<string, RouterModel>): string[] {
  const modelRank = new Map((pool.model_priority ?? []).map((id, i) => [id, i]));
  const providerRank = new Map((pool.provider_priority ?? []).map((id, i) => [id, i]));
  const rank = (id: string): [number, number] => {
    if (modelRank.has(id)) return [0, modelRank.get(id)!];
    const provider = models.get(id)?.providerId;
    if (provider !== undefined && providerRank.has(provider)) return [1, providerRank.get(provider)!];
    return [2, 0];
  };
  return members
    .map((id, index) => ({ id, index, rank: rank(id) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.index - b.index)
    .map((m) => m.id);
}

/**
 * Builds a running mesh from a config (YAML/JSON text or the same shape as an object): resolves secrets,
 * validates everything, loads connector packages, instantiates providers and policies through the registry
 * (an unknown connector id fails here, at start-up, never at the first request), gathers models (configured
 * and discovered), builds pools (configured + predefined) and the router.
 */
export async function createMesh(source: string | object, options: CreateMeshOptions = {}): Promise<Mesh> {
  const clock = options.clock ?? systemClock;
  const env = options.env ?? defaultEnv();
  const runtime = options.runtime ?? defaultRuntime();
  const events = options.events ?? new MeshEventBus();
  const registry = registerCoreConnectors(options.registry ?? new ConnectorRegistry(options.importer ? { importer: options.importer } : {}));
  const context = (instanceId: string): ConnectorContext => ({ instanceId, clock, env, events, runtime, transport: options.transport });

  let secretStore: SecretStoreConnectorV1 | undefined;
  const resolveSecret: SecretResolver =
    options.resolveSecret ??
    (async (name, { secrets }) => {
      if (!secretStore) {
        if (!registry.has(secrets.store) && secrets.store === DEFAULT_SECRET_STORE) return env[name];
        secretStore = await registry.create<SecretStoreConnectorV1>(secrets.store, secrets, context("secrets"), { type: "secret-store", path: "secrets", connectorPath: "secrets.store" });
      }
      try {
        return await secretStore.get(name);
      } catch (error) {
        if (isModelMeshError(error) && error.code === "MM_SECRET_MISSING") return undefined;
        throw error;
      }
    });

  const base = options.tree ?? CapabilityTree.createDefault();
  const { config, redactError } = await loadConfigWithRedaction(source, { file: options.file, env, resolveSecret, tree: base });
  const tree = base.clone();
  for (const path of config.capabilities) if (!tree.has(path)) tree.add(path);
  // Errors from here on (connector config schemas, connector start-up) may quote a value resolved from
  // ${env:…} / ${secrets:…}: redactError shows the reference instead (packages/core/src/config/load.ts).
  try {
    for (const [index, specifier] of config.connectors.packages.entries()) await registry.load(specifier, `connectors.packages.${index}`);
  } catch (error) {
    throw redactError(error);
  }

  const closers: Array<() => Promise<void> | void> = [];
  try {
    // Providers
    const providers = new Map<string, RouterProvider>();
    for (const [name, entry] of Object.entries(config.providers)) {
      if (!entry.enabled) continue;
      const connector =
        options.providers?.[name] ??
        (await registry.create<ProviderConnectorV1>(entry.connector, entry.config, context(name), { type: "provider", path: `providers.${name}` }));
      closers.push(() => connector.close());
      const t = entry.timeouts;
      providers.set(name, {
        id: name,
        connector,
        limits: providerLimits(entry),
        quotaClock: entry.quota ? { resetTime: entry.quota.reset_time, timeZone: entry.quota.time_zone } : undefined,
        timeouts: t ? dropUndefined({ connectMs: t.connect, firstTokenMs: t.first_token, idleMs: t.idle, responseMs: t.response }) : undefined,
        responseLimits: entry.limits ? dropUndefined({ maxResponseBytes: entry.limits.max_response_size, maxEventBytes: entry.limits.max_event_size }) : undefined,
      });
    }
    for (const [name, connector] of Object.entries(options.providers ?? {})) {
      if (!providers.has(name)) providers.set(name, { id: name, connector });
    }

    // Models: configured ones, plus everything a provider lists when none is configured for it.
    const models = new Map<string, RouterModel>();
    const catalogue = new Map<string, ModelInfo[]>();
    const listed = async (providerId: string) => {
      if (!catalogue.has(providerId)) catalogue.set(providerId, await providers.get(providerId)!.connector.listModels());
      return catalogue.get(providerId)!;
    };
    for (const [id, model] of Object.entries(config.models)) {
      if (!model.enabled || !providers.has(model.provider)) continue;
      const info = (await listed(model.provider)).find((m) => m.id === model.model);
      models.set(id, toRouterModel(id, model.provider, model, info, providers.get(model.provider)!.connector.getCapabilities(), tree));
    }
    for (const [providerId, provider] of providers) {
      if ([...models.values()].some((m) => m.providerId === providerId)) continue;
      for (const info of await listed(providerId)) {
        const id = `${providerId}.${info.id}`;
        if (!models.has(id)) models.set(id, toRouterModel(id, providerId, undefined, info, provider.connector.getCapabilities(), tree));
      }
    }

    // Pools: configured, then predefined ones not overridden.
    const pools = new Map<string, RouterPool>();
    const memberModels = [...models.values()];
    const buildPolicies = async (id: string, pool: PoolConfig): Promise<RotationPolicySet> => {
      const policyConfig: PoolPolicyConfig = { ...pool, id };
      const path = `pools.${id}`;
      return {
        selection: await registry.create<SelectionStrategyV1>(pool.strategy, policyConfig, context(id), { type: "rotation", role: "selection", path, connectorPath: `${path}.strategy` }),
        deactivation: await registry.create<DeactivationPolicyV1>(pool.deactivation.connector, policyConfig, context(id), { type: "rotation", role: "deactivation", path, connectorPath: `${path}.deactivation.connector` }),
        recovery: await registry.create<RecoveryPolicyV1>(pool.recovery.connector, policyConfig, context(id), { type: "rotation", role: "recovery", path, connectorPath: `${path}.recovery.connector` }),
      };
    };
    const toRouterPool = (id: string, pool: PoolConfig, members: string[], policies: RotationPolicySet): RouterPool => ({
      id,
      capability: pool.capability,
      members: prioritise(members, pool, models),
      policies,
      retry: retryOf(pool),
      deadlineMs: pool.deadline,
      failoverOnContentFilter: pool.failover_on_content_filter,
      session: pool.session ? dropUndefined({ header: pool.session.header, field: pool.session.field }) : undefined,
      ...(pool.timeouts?.first_token !== undefined ? { firstTokenMs: pool.timeouts.first_token } : {}),
      ...(pool.stream?.commit !== undefined ? { streamCommit: pool.stream.commit } : {}),
    });
    for (const [id, pool] of Object.entries(config.pools)) {
      const capability = pool.capability;
      const members = poolMembers({ capability, models: pool.models, providers: pool.providers, excludedProviders: pool.excluded_providers }, memberModels, tree);
      pools.set(id, toRouterPool(id, pool, members, await buildPolicies(id, pool)));
    }
    const createPool = (spec: { id: string; capability?: string; members: string[] }): RouterPool => {
      const pool = defaultPoolConfig(spec.capability);
      const policyConfig: PoolPolicyConfig = { ...pool, id: spec.id };
      const policies: RotationPolicySet = {
        selection: prioritySelectionConnector.create(policyConfig, context(spec.id)) as SelectionStrategyV1,
        deactivation: thresholdDeactivationConnector.create(policyConfig, context(spec.id)) as DeactivationPolicyV1,
        recovery: cooldownRecoveryConnector.create(policyConfig, context(spec.id)) as RecoveryPolicyV1,
      };
      return toRouterPool(spec.id, pool, spec.members, policies);
    };
    for (const predefined of PREDEFINED_POOLS) {
      if (pools.has(predefined.id)) continue;
      pools.set(predefined.id, createPool({ id: predefined.id, capability: predefined.capability, members: poolMembers({ capability: predefined.capability }, memberModels, tree) }));
    }

    // State
    const store = options.store ?? new MemoryStateStore({ clock });
    let sync: StateSync | undefined;
    const storageId = config.storage.connector;
    if (config.storage.sync_policy !== "in-memory" && registry.has(storageId) && storageId !== "modelmesh.memory.v1") {
      const storage = await registry.create<StorageConnectorV1>(storageId, config.storage, context("storage"), { type: "storage", path: "storage" });
      closers.push(() => storage.close?.());
      sync = new StateSync({ store, storage, policy: config.storage.sync_policy, intervalMs: config.storage.sync_interval, clock });
    } else if (!registry.has(storageId) && storageId !== "modelmesh.memory.v1") {
      registry.resolve(storageId, { type: "storage", path: "storage.connector" });
    }
    const ledger = new StateLedger({ store, clock, events, onChange: sync ? () => sync!.notifyChange() : undefined });
    if (sync) await sync.start();

    // Observability sinks
    for (const section of ["routing", "logging", "statistics"] as const) {
      const sink = config.observability[section] as { connector: string } | undefined;
      if (!sink) continue;
      const connector = await registry.create<ObservabilityConnectorV1>(sink.connector, sink, context(`observability.${section}`), { type: "observability", path: `observability.${section}` });
      const off = events.on("*", (event) => connector.emit(event));
      closers.push(() => {
        off();
        return connector.close?.();
      });
    }

    const router = new Router({
      providers,
      models,
      pools,
      tree,
      ledger,
      clock,
      events,
      random: options.random,
      createPool,
      defaults: {
        deadlineMs: config.routing.deadline,
        connectMs: config.routing.timeouts.connect,
        firstTokenMs: config.routing.timeouts.first_token,
        idleMs: config.routing.timeouts.idle,
        responseMs: config.routing.timeouts.response,
        resumeStreams: config.routing.stream.resume,
        streamCommit: config.routing.stream.commit,
      },
    });

    let closed: Promise<void> | undefined;
    return {
      config, router, registry, tree, ledger, events, store,
      close() {
        closed ??= (async () => {
          if (sync) await sync.stop();
          const results = await Promise.allSettled(closers.map((close) => close()));
          await store.close?.();
          const failure = results.find((r) => r.status === "rejected");
          if (failure) throw (failure as PromiseRejectedResult).reason;
        })();
        return closed;
      },
    };
  } catch (error) {
    await Promise.allSettled(closers.map((close) => close()));
    throw redactError(error);
  }
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
