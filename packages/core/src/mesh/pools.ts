import { poolMembers, resolveVirtualName, type NameResolution } from "../capability/resolve-name.js";
import type { CapabilityTreeView } from "../capability/types.js";
import { defaultPoolEntry } from "../config/defaults.js";
import type { PoolConfig } from "../config/schema.js";
import type { DeactivationPolicyV1, RecoveryPolicyV1, RotationPolicySet, SelectionStrategyV1 } from "../connectors/rotation.js";
import { systemClock } from "../internal/clock.js";
import type { ConnectorContext } from "../registry/registry.js";
import type { RetrySettings, RouterModel, RouterPool } from "../router/types.js";
import { cooldownRecoveryConnector, prioritySelectionConnector, thresholdDeactivationConnector, type PoolPolicyConfig } from "./builtins.js";

/** A pool entry with every default applied: what on-demand and predefined pools are built from. */
export function defaultPoolConfig(capability?: string): PoolConfig {
  return defaultPoolEntry(capability);
}

/** Core's default rotation policies for a pool: priority selection, threshold deactivation, cooldown recovery. */
export function defaultPolicies(id: string, config: PoolConfig, context: ConnectorContext): RotationPolicySet {
  const policyConfig: PoolPolicyConfig = { ...config, id };
  return {
    selection: prioritySelectionConnector.create(policyConfig, context) as SelectionStrategyV1,
    deactivation: thresholdDeactivationConnector.create(policyConfig, context) as DeactivationPolicyV1,
    recovery: cooldownRecoveryConnector.create(policyConfig, context) as RecoveryPolicyV1,
  };
}

/** `pools.<id>.retry` as the router reads it. */
export function retryOf(pool: PoolConfig): RetrySettings {
  const r = pool.retry;
  return {
    maxSameRouteRetries: r.max_attempts,
    maxTotalAttempts: r.max_total_attempts,
    backoff: r.backoff,
    initialDelayMs: r.initial_delay,
    maxDelayMs: r.max_delay,
    honorRetryAfter: r.honor_retry_after,
    retryableStatuses: r.retryable_codes,
    nonRetryableStatuses: r.non_retryable_codes,
  };
}

/** Orders members: `model_priority` first, then models of `provider_priority` providers, then the rest. */
export function prioritise(members: readonly string[], pool: PoolConfig, models: ReadonlyMap<string, RouterModel>): string[] {
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

/** A validated pool entry, its members and its policies → the pool the router runs. */
export function toRouterPool(id: string, config: PoolConfig, members: readonly string[], policies: RotationPolicySet, models: ReadonlyMap<string, RouterModel>): RouterPool {
  return {
    id,
    capability: config.capability,
    members: prioritise(members, config, models),
    policies,
    retry: retryOf(config),
    deadlineMs: config.deadline,
    failoverOnContentFilter: config.failover_on_content_filter,
    session: config.session ? dropUndefined({ header: config.session.header, field: config.session.field }) : undefined,
    ...(config.timeouts?.first_token !== undefined ? { firstTokenMs: config.timeouts.first_token } : {}),
    ...(config.stream?.commit !== undefined ? { streamCommit: config.stream.commit } : {}),
  };
}

/** Options of {@link PoolRegistry}. */
export interface PoolRegistryOptions {
  /** Every model of the mesh, by config id. */
  models: ReadonlyMap<string, RouterModel>;
  tree: CapabilityTreeView;
  /** The configured and predefined pools. */
  pools?: Iterable<RouterPool>;
  /** Context handed to the default policy connectors of pools built here. Default: system clock, no env. */
  context?: (poolId: string) => ConnectorContext;
}

/** How a name resolved, and the pool it routes to. */
export interface PoolResolution {
  pool: RouterPool;
  resolution: NameResolution;
}

/** Longest list of remembered name resolutions; the list starts over when it is full. */
const MAX_RESOLUTIONS = 1_024;

/**
 * The pools of a mesh, owned by core: the configured and predefined ones, plus those built on demand when a
 * request names a capability node without a pool (`capability:<node>`, every model at or under it) or a single
 * model (`model:<id>`), each with default settings and core's default policies, built once and kept.
 * `createMesh` fills it and the router reads it; the router never builds or registers a pool itself.
 *
 * Name resolutions are remembered (at most 1,024 names), so a request resolves its `model` field with one
 * lookup instead of scanning pools and models. `set` and `delete` replace or drop a pool and start the
 * remembered resolutions over; `version` tells consumers that cached something per pool that pools changed.
 *
 * @example
 * const pools = new PoolRegistry({ models, tree, pools: configured });
 * const { pool } = pools.resolve("chat-completion"); // capability:generation.text-generation.chat-completion
 */
export class PoolRegistry {
  readonly #pools = new Map<string, RouterPool>();
  readonly #models: ReadonlyMap<string, RouterModel>;
  readonly #tree: CapabilityTreeView;
  readonly #context: (poolId: string) => ConnectorContext;
  readonly #resolved = new Map<string, { resolution: NameResolution; poolId: string }>();
  #version = 0;

  constructor(options: PoolRegistryOptions) {
    this.#models = options.models;
    this.#tree = options.tree;
    this.#context = options.context ?? ((instanceId) => ({ instanceId, clock: systemClock, env: {}, runtime: "node" }));
    for (const pool of options.pools ?? []) this.#pools.set(pool.id, pool);
  }

  /** Every pool: configured, predefined, and the on-demand ones built so far. */
  get pools(): ReadonlyMap<string, RouterPool> {
    return this.#pools;
  }

  /** The models pools draw their members from. */
  get models(): ReadonlyMap<string, RouterModel> {
    return this.#models;
  }

  /** Changes whenever a pool is replaced or removed (not when an on-demand pool is added). */
  get version(): number {
    return this.#version;
  }

  get(id: string): RouterPool | undefined {
    return this.#pools.get(id);
  }

  /** Adds or replaces a pool (treat pools as immutable: replace one to change it). */
  set(pool: RouterPool): void {
    this.#pools.set(pool.id, pool);
    this.#changed();
  }

  /** Removes a pool; true if it existed. */
  delete(id: string): boolean {
    const existed = this.#pools.delete(id);
    if (existed) this.#changed();
    return existed;
  }

  /**
   * Builds (without registering) a pool with default settings and core's default policies: every model at
   * or under `capability`, or exactly `members`.
   */
  standard(spec: { id: string; capability?: string; members?: readonly string[] }): RouterPool {
    const config = defaultPoolConfig(spec.capability);
    const members = spec.members ?? poolMembers({ capability: spec.capability }, this.#models.values(), this.#tree);
    return toRouterPool(spec.id, config, members, defaultPolicies(spec.id, config, this.#context(spec.id)), this.#models);
  }

  /** The on-demand pool of a capability node (`capability:<node>`), built on first use. */
  forCapability(node: string): RouterPool {
    const id = `capability:${node}`;
    return this.#pools.get(id) ?? this.#add(this.standard({ id, capability: node }));
  }

  /** The on-demand single-model pool (`model:<id>`), built on first use. */
  forModel(modelId: string): RouterPool {
    const id = `model:${modelId}`;
    return this.#pools.get(id) ?? this.#add(this.standard({ id, members: [modelId] }));
  }

  /**
   * The pool a virtual model name routes to: a configured or predefined pool, or an on-demand one.
   * Throws what {@link resolveVirtualName} throws (`MM_UNKNOWN_MODEL`, `MM_AMBIGUOUS_NAME`, `MM_INVALID_REQUEST`).
   */
  resolve(name: string): PoolResolution {
    const known = this.#resolved.get(name);
    if (known !== undefined) {
      const pool = this.#pools.get(known.poolId);
      if (pool !== undefined) return { pool, resolution: known.resolution };
    }
    const resolution = resolveVirtualName(name, { tree: this.#tree, pools: this.#pools, models: this.#models });
    let pool: RouterPool | undefined;
    if (resolution.kind === "pool") pool = this.#pools.get(resolution.poolId)!;
    else if (resolution.kind === "model") pool = this.forModel(resolution.modelId);
    else pool = (resolution.poolId !== undefined ? this.#pools.get(resolution.poolId) : undefined) ?? this.forCapability(resolution.node);
    if (this.#resolved.size >= MAX_RESOLUTIONS) this.#resolved.clear();
    this.#resolved.set(name, { resolution, poolId: pool.id });
    return { pool, resolution };
  }

  #add(pool: RouterPool): RouterPool {
    this.#pools.set(pool.id, pool);
    return pool;
  }

  #changed(): void {
    this.#version++;
    this.#resolved.clear();
  }
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
