/**
 * Connector interfaces for the non-provider services: secret stores, storage, observability, discovery.
 * Every method that may sit on I/O is async.
 */
import type { MeshEvent } from "../events/events.js";
import type { StateStore } from "../state/state-store.js";

// -- secret store -------------------------------------------------------------------------------------

/** Resolves `${secrets:name}` references. */
export interface SecretStoreConnectorV1 {
  readonly specificationVersion: "v1";
  readonly id: string;
  /** The secret's value; rejects with `MM_SECRET_MISSING` when absent (unless the store is lenient). */
  get(name: string): Promise<string>;
  /** Whether a secret exists, without reading it. */
  has?(name: string): Promise<boolean>;
  /** Stores a secret (management stores only). */
  set?(name: string, value: string): Promise<void>;
  /** Deletes a secret; true if it existed. */
  delete?(name: string): Promise<boolean>;
  /** Secret names (never values). */
  list?(): Promise<string[]>;
  close?(): Promise<void>;
}

// -- storage ------------------------------------------------------------------------------------------

/** One stored blob. */
export interface StorageEntry {
  key: string;
  data: Uint8Array;
  metadata?: Record<string, unknown>;
}

/** Metadata of a stored blob. */
export interface EntryMetadata {
  key: string;
  size: number;
  /** Epoch ms. */
  lastModified: number;
  contentType?: string;
}

/** An advisory lock. */
export interface LockHandle {
  key: string;
  lockId: string;
  /** Epoch ms. */
  acquiredAt: number;
  /** Epoch ms; the lock silently lapses after this. */
  expiresAt: number;
}

/** Blob persistence for state snapshots, configuration and logs. */
export interface StorageConnectorV1 {
  readonly specificationVersion: "v1";
  readonly id: string;
  load(key: string): Promise<StorageEntry | null>;
  /** Overwrites. */
  save(key: string, entry: StorageEntry): Promise<void>;
  list(prefix?: string): Promise<string[]>;
  /** True if the key existed. */
  delete(key: string): Promise<boolean>;
  stat(key: string): Promise<EntryMetadata | null>;
  exists(key: string): Promise<boolean>;
  /** Acquires a lock held for `ttlMs`, waiting at most `waitMs`; rejects on timeout. */
  acquire?(key: string, options?: { ttlMs?: number; waitMs?: number }): Promise<LockHandle>;
  /** Releases a lock; false if it was not (or no longer) held by this handle. */
  release?(lock: LockHandle): Promise<boolean>;
  isLocked?(key: string): Promise<boolean>;
  close?(): Promise<void>;
}

/**
 * A storage connector that is also a live, shared state store (Redis): `openStateStore()` returns a
 * {@link StateStore} that every instance on the same backend reads and writes directly. When the configured
 * storage connector has it, `createMesh` uses that store as the mesh's state instead of syncing snapshots of a
 * memory store into the storage, so `storage.sync_policy` does not apply (docs/ARCHITECTURE.md §2.9). The
 * mesh closes the store before the connector. {@link StorageConnectorV1} itself is unchanged: this is an
 * optional capability, detected with {@link hasLiveStore}.
 *
 * @example
 * const storage = await registry.create<StorageConnectorV1>("redis", config.storage, context);
 * const store = hasLiveStore(storage) ? await storage.openStateStore() : new MemoryStateStore();
 */
export interface LiveStorageConnector extends StorageConnectorV1 {
  /** The live state store on this connector's backend; the same store on every call. */
  openStateStore(): Promise<StateStore>;
}

/** True when a storage connector instance offers a live state store ({@link LiveStorageConnector}). */
export function hasLiveStore(connector: StorageConnectorV1): connector is LiveStorageConnector {
  return typeof (connector as Partial<LiveStorageConnector>).openStateStore === "function";
}

// -- observability ------------------------------------------------------------------------------------

/** Trace severities, in increasing order. */
export type Severity = "debug" | "info" | "warning" | "error" | "critical";

/** One completed request, for request logs. */
export interface RequestLogEntry {
  timestamp: number;
  requestId: string;
  poolId?: string;
  modelId?: string;
  providerId?: string;
  kind: string;
  stream: boolean;
  ok: boolean;
  status?: number;
  latencyMs: number;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  errorCode?: string;
}

/** Aggregates for one scope (`model:x`, `provider:y`, `pool:z`). */
export interface AggregateStats {
  requestsTotal: number;
  requestsSuccess: number;
  requestsFailed: number;
  tokensIn: number;
  tokensOut: number;
  costTotal: number;
  latencyAvg: number;
  latencyP95: number;
  rotationEvents: number;
  /** Median latency (ms), when the mesh computed it. */
  latencyP50?: number;
  /** 99th percentile latency (ms), when the mesh computed it. */
  latencyP99?: number;
  /** Failed requests by error category (`server`, `timeout`, …). */
  errorsByCategory?: Record<string, number>;
}

/** A severity-tagged trace line. */
export interface TraceEntry {
  severity: Severity;
  timestamp: number;
  /** `router`, `pool.<id>`, `provider.<id>`, `mesh`. */
  component: string;
  message: string;
  metadata?: Record<string, unknown>;
}

/** Receives events, request logs, statistics and traces. All methods are fire-and-forget. */
export interface ObservabilityConnectorV1 {
  readonly specificationVersion: "v1";
  readonly id: string;
  emit(event: MeshEvent): void;
  log(entry: RequestLogEntry): void;
  flush(stats: Record<string, AggregateStats>): void;
  trace(entry: TraceEntry): void;
  close?(): Promise<void>;
}

// -- discovery ----------------------------------------------------------------------------------------

/** Result of a registry sync. */
export interface SyncResult {
  newModels: string[];
  deprecatedModels: string[];
  updatedModels: string[];
  errors: string[];
}

/** Registry sync status. */
export interface SyncStatus {
  lastSync?: number;
  nextSync?: number;
  modelsSynced: number;
  status: "idle" | "pending" | "running" | "error";
}

/** A single health probe. */
export interface ProbeResult {
  providerId: string;
  success: boolean;
  latencyMs?: number;
  statusCode?: number;
  error?: string;
}

/** Rolling health of a provider. */
export interface HealthReport extends ProbeResult {
  /** Successes / probes over the retained history (0–1). */
  availabilityScore: number;
  timestamp: number;
  consecutiveFailures: number;
}

/**
 * What the mesh hands a discovery connector when it starts it (`createMesh` calls `start(host)` for the
 * `discovery.health` / `discovery.sync` sections and `stop()` on close): the providers it routes to and where
 * findings go. The connector decides when a provider is unhealthy (its `failure_threshold`); the mesh acts.
 */
export interface DiscoveryHost {
  /** Names of the enabled providers the mesh routes to. */
  providerIds(): readonly string[];
  /** The model ids a provider lists right now (its `listModels()`); rejects when the provider cannot list. */
  listModels(providerId: string): Promise<readonly string[]>;
  /** The provider failed its health checks: the mesh takes it out of rotation until {@link providerHealthy}. */
  providerUnhealthy(providerId: string, report: HealthReport): void;
  /** The provider passed a health check again (a no-op when the mesh had not taken it out). */
  providerHealthy(providerId: string, report: HealthReport): void;
  /** A registry sync finished: the mesh emits it as a `registry-sync` event. */
  syncResult(result: SyncResult): void;
}

/** Keeps the model catalogue and provider health current. */
export interface DiscoveryConnectorV1 {
  readonly specificationVersion: "v1";
  readonly id: string;
  sync(providers?: string[]): Promise<SyncResult>;
  getSyncStatus(): Promise<SyncStatus>;
  probe(providerId: string): Promise<ProbeResult>;
  getHealthReport(providerId?: string): Promise<HealthReport[]>;
  /** Starts background schedules (their timers never keep a process alive), reporting to `host` when given. */
  start?(host?: DiscoveryHost): void;
  stop?(): Promise<void>;
}
