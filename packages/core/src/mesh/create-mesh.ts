import { CapabilityTree } from "../capability/tree.js";
import { checkMiddleware, type RouterMiddleware } from "../router/middleware.js";
import { ConfigError } from "../errors/errors.js";
import { envSecret } from "../config/env-name.js";
import { DEFAULT_SECRET_STORE, type EnvRecord, type SecretResolver } from "../config/interpolate.js";
import { loadConfigWithRedaction, type LoadedConfig } from "../config/load.js";
import type { MeshConfig, PoolConfig } from "../config/schema.js";
import type { ProviderConnectorV1 } from "../connectors/provider.js";
import type { DeactivationPolicyV1, RecoveryPolicyV1, RotationPolicySet, SelectionStrategyV1 } from "../connectors/rotation.js";
import { hasLiveStore, type LiveStorageConnector, type ObservabilityConnectorV1, type SecretStoreConnectorV1, type StorageConnectorV1 } from "../connectors/services.js";
import { isModelMeshError } from "../errors/model-mesh-error.js";
import { MeshEventBus } from "../events/events.js";
import { systemClock, type Clock } from "../internal/clock.js";
import { ConnectorRegistry, type ConnectorContext, type ConnectorType, type ModuleImporter, type RotationRole } from "../registry/registry.js";
import type { RouterProvider } from "../router/types.js";
import { StateLedger } from "../state/ledger.js";
import { FallbackStateStore } from "../state/fallback-store.js";
import type { StateStore } from "../state/state-store.js";
import { assembleMesh, buildPools, gatherModels, probeLeaseMs, routerProviderOf, startLocalState, type MeshRuntime, type MeshState } from "./assemble.js";
import { registerCoreConnectors, type PoolPolicyConfig } from "./builtins.js";
import { checkServices, startDiscovery, startServices } from "./services.js";
import { startTelemetry, type TelemetrySinks } from "./telemetry.js";

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
  /**
   * State store. Default: the live store of the storage connector when it has one (`openStateStore()`, e.g.
   * Redis), else in-memory (synced to the storage connector per `storage.sync_policy`).
   */
  store?: StateStore;
  /** Runtime, checked against each connector's runtime tag. Default node when `process.versions.node` exists. */
  runtime?: "node" | "browser";
  /** Default transport handed to connectors. */
  transport?: unknown;
  /** Loads connector packages (tests, bundlers). */
  importer?: ModuleImporter;
  /**
   * Start the registry's background services the config asks for (the recovery scheduler for
   * `recovery.probe_interval`, …). Default true. `false` leaves them to the caller, who then drives its own
   * (e.g. a `RecoveryScheduler` stepped by a test clock); the keys are not checked for a registered service then.
   */
  startServices?: boolean;
  /** Router middleware from code, outermost first; the config's `middleware` entries come after them. */
  middleware?: readonly RouterMiddleware[];
}

/** A running mesh: the router plus the services built from the config. */
export interface Mesh extends MeshRuntime {
  readonly config: MeshConfig;
  readonly registry: ConnectorRegistry;
}

function defaultEnv(): EnvRecord {
  const p = (globalThis as { process?: { env?: EnvRecord } }).process;
  return p?.env ?? {};
}

function defaultRuntime(): "node" | "browser" {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return p?.versions?.node ? "node" : "browser";
}

/** What every step of {@link createMesh} shares. */
interface Setup {
  options: CreateMeshOptions;
  clock: Clock;
  env: EnvRecord;
  events: MeshEventBus;
  registry: ConnectorRegistry;
  context: (instanceId: string) => ConnectorContext;
  /** Run on close (and on a failed start-up), in order of creation. */
  closers: Array<() => Promise<void> | void>;
}

/**
 * Builds a running mesh from a config (YAML/JSON text or the same shape as an object): resolves secrets,
 * validates everything, loads connector packages, instantiates providers and policies through the registry
 * (an unknown connector id fails here, at start-up, never at the first request), gathers models (configured
 * and discovered), builds pools (configured + predefined, in a {@link PoolRegistry} that also builds the
 * on-demand ones later) and the router.
 */
export async function createMesh(source: string | object, options: CreateMeshOptions = {}): Promise<Mesh> {
  const setup = setupOf(options);
  const base = options.tree ?? CapabilityTree.createDefault();
  const loaded = await loadConfigWithRedaction(source, { file: options.file, env: setup.env, resolveSecret: secretResolver(setup), tree: base });
  const { config, redactError } = loaded;
  const tree = extendedTree(base, config);
  // Errors from here on (connector config schemas, connector start-up) may quote a value resolved from
  // ${env:…} / ${secrets:…}: redactError shows the reference instead (packages/core/src/config/load.ts).
  let state: MeshState | undefined;
  let mesh: Mesh | undefined;
  try {
    for (const [index, specifier] of config.connectors.packages.entries()) await setup.registry.load(specifier, `connectors.packages.${index}`);
    await loadNamedConnectors(config, setup.registry);
    const providers = await createProviders(config, setup);
    const enumerate = new Set(Object.entries(config.providers).filter(([, entry]) => entry.discovery?.enumerate_models).map(([name]) => name));
    const models = await gatherModels(config, providers, tree, enumerate);
    const pools = await buildPools(config, models, tree, setup.context, (id, pool) => registryPolicies(id, pool, setup));
    state = await startState(config, setup, loaded);
    const sinks = await createSinks(config, setup);
    // Before anything can route or probe: the feed sees every event from the first one.
    const stopTelemetry = startTelemetry({ config, events: setup.events, clock: setup.clock, models, sinks });
    setup.closers.unshift(stopTelemetry);
    const ownServices = options.startServices ?? true;
    const missing = ownServices ? checkServices(config, setup.registry) : [];
    if (missing.length > 0) throw loaded.configError(missing);
    const discovery = await startDiscovery({ config, registry: setup.registry, context: setup.context, providers, ledger: state.ledger, events: setup.events, clock: setup.clock, given: loaded.given });
    setup.closers.unshift(...discovery.map((handle) => () => handle.stop()));
    const middleware = [...(options.middleware ?? []), ...(await configMiddleware(config, setup))];
    mesh = Object.assign(assembleMesh({ config, providers, models, pools, tree, state, clock: setup.clock, events: setup.events, random: options.random, closers: setup.closers, middleware }), { registry: setup.registry });
    const services = ownServices ? await startServices(mesh, config, setup.registry) : [];
    setup.closers.unshift(...services.map((handle) => () => handle.stop()));
    return mesh;
  } catch (error) {
    // An assembled mesh closes everything it owns (closers, ledger, store); before that, the parts close here.
    if (mesh) {
      await mesh.close().catch(() => undefined);
      throw redactError(error);
    }
    await Promise.allSettled(setup.closers.map((close) => close()));
    if (state?.liveStorage) await closeLiveState(state.ledger, state.store, state.liveStorage);
    throw redactError(error);
  }
}

function setupOf(options: CreateMeshOptions): Setup {
  const clock = options.clock ?? systemClock;
  const env = options.env ?? defaultEnv();
  const runtime = options.runtime ?? defaultRuntime();
  const events = options.events ?? new MeshEventBus();
  const registry = registerCoreConnectors(options.registry ?? new ConnectorRegistry(options.importer ? { importer: options.importer } : {}));
  const context = (instanceId: string): ConnectorContext => ({ instanceId, clock, env, events, runtime, transport: options.transport });
  return { options, clock, env, events, registry, context, closers: [] };
}

/** `${secrets:…}`: the caller's resolver, else the configured secret store (created on first use), else the env. */
function secretResolver(setup: Setup): SecretResolver {
  if (setup.options.resolveSecret) return setup.options.resolveSecret;
  const { registry, env } = setup;
  let secretStore: SecretStoreConnectorV1 | undefined;
  return async (name, { secrets }) => {
    if (!secretStore) {
      if (!registry.has(secrets.store) && secrets.store === DEFAULT_SECRET_STORE) return envSecret(env, name);
      secretStore = await registry.create<SecretStoreConnectorV1>(secrets.store, secrets, setup.context("secrets"), { type: "secret-store", path: "secrets", connectorPath: "secrets.store" });
    }
    try {
      return await secretStore.get(name);
    } catch (error) {
      if (isModelMeshError(error) && error.code === "MM_SECRET_MISSING") return undefined;
      throw error;
    }
  };
}

/** The capability tree plus the config's custom nodes (on a copy). */
function extendedTree(base: CapabilityTree, config: MeshConfig): CapabilityTree {
  const tree = base.clone();
  for (const path of config.capabilities) if (!tree.has(path)) tree.add(path);
  return tree;
}

/** Enabled providers (a pre-built instance wins over the config's connector), plus pre-built ones not in the config. */
async function createProviders(config: MeshConfig, setup: Setup): Promise<Map<string, RouterProvider>> {
  const prebuilt = setup.options.providers ?? {};
  const providers = new Map<string, RouterProvider>();
  for (const [name, entry] of Object.entries(config.providers)) {
    if (!entry.enabled) continue;
    const connector = prebuilt[name] ?? (await setup.registry.create<ProviderConnectorV1>(entry.connector, entry.config, setup.context(name), { type: "provider", path: `providers.${name}` }));
    setup.closers.push(() => connector.close());
    providers.set(name, routerProviderOf(name, entry, connector));
  }
  for (const [name, connector] of Object.entries(prebuilt)) if (!providers.has(name)) providers.set(name, routerProviderOf(name, undefined, connector));
  return providers;
}

/** A configured pool's rotation policies, through the connector registry. */
async function registryPolicies(id: string, pool: PoolConfig, setup: Setup): Promise<RotationPolicySet> {
  const registry = setup.registry;
  const policyConfig: PoolPolicyConfig = { ...pool, id };
  const path = `pools.${id}`;
  const context = setup.context(id);
  return {
    selection: await registry.create<SelectionStrategyV1>(pool.strategy, policyConfig, context, { type: "rotation", role: "selection", path, connectorPath: `${path}.strategy` }),
    deactivation: await registry.create<DeactivationPolicyV1>(pool.deactivation.connector, policyConfig, context, { type: "rotation", role: "deactivation", path, connectorPath: `${path}.deactivation.connector` }),
    recovery: await registry.create<RecoveryPolicyV1>(pool.recovery.connector, policyConfig, context, { type: "rotation", role: "recovery", path, connectorPath: `${path}.recovery.connector` }),
  };
}

/** Config keys that only concern snapshot syncing, in both of their forms (flat and `persistence`). */
const SYNC_KEYS: ReadonlyArray<readonly string[]> = [
  ["storage", "sync_policy"],
  ["storage", "persistence", "sync_policy"],
  ["storage", "sync_interval"],
  ["storage", "persistence", "sync_interval"],
];

/**
 * The state store and the ledger over it (docs/ARCHITECTURE.md §2.9): the caller's store, else the live store
 * of a storage connector that has one (Redis: shared by every instance, no snapshots), else a memory store
 * synced to the storage connector per `storage.sync_policy` (none with `in-memory` or the memory connector).
 */
async function startState(config: MeshConfig, setup: Setup, loaded: LoadedConfig): Promise<MeshState> {
  const { registry, clock, events } = setup;
  const local = { store: setup.options.store, clock, events, probeLeaseMs: probeLeaseMs(config), closers: setup.closers };
  const storageId = config.storage.connector;
  if (config.storage.sync_policy !== "in-memory" && registry.has(storageId) && storageId !== "modelmesh.memory.v1") {
    const storage = await registry.create<StorageConnectorV1>(storageId, config.storage, setup.context("storage"), { type: "storage", path: "storage" });
    if (local.store === undefined && hasLiveStore(storage)) return startLiveState(config, setup, loaded, storage);
    rejectFailurePolicy(storage.id, loaded);
    // A background save that fails (storage error, lock timeout) keeps its changes pending for the next one;
    // the status and a `store-status` event say so instead of nothing.
    return startLocalState({ ...local, storage: { connector: storage, policy: config.storage.sync_policy, intervalMs: config.storage.sync_interval } });
  }
  if (!registry.has(storageId) && storageId !== "modelmesh.memory.v1") registry.resolve(storageId, { type: "storage", path: "storage.connector" });
  else rejectFailurePolicy(storageId, loaded);
  // Nothing is synced (the memory connector, or `sync_policy: in-memory`): the connector is still built once, so
  // its own keys are checked (e.g. `format` on memory storage is refused), then closed.
  if (registry.has(storageId)) {
    const unused = await registry.create<StorageConnectorV1>(storageId, config.storage, setup.context("storage"), { type: "storage", path: "storage" });
    await Promise.allSettled([unused.close?.()]);
  }
  return startLocalState(local);
}

/** A live store shared by instances (Redis), behind the fallback of `storage.on_store_failure`. */
async function startLiveState(config: MeshConfig, setup: Setup, loaded: LoadedConfig, storage: LiveStorageConnector): Promise<MeshState> {
  const { clock, events } = setup;
  let fallback: FallbackStateStore;
  try {
    rejectSyncKeys(storage.id, loaded);
    const live = await storage.openStateStore();
    fallback = new FallbackStateStore({
      live,
      policy: config.storage.on_store_failure ?? "local",
      clock,
      onStatus: (status) => events.emit({ type: "store-status", timestamp: clock.now(), kind: "live", state: status.state, policy: status.policy!, ...(status.error ? { error: status.error } : {}), reconciliations: status.reconciliations }),
    });
  } catch (error) {
    await Promise.allSettled([storage.close?.()]);
    throw error;
  }
  const ledger = new StateLedger({ store: fallback, clock, events, probeLeaseMs: probeLeaseMs(config) });
  return { store: fallback, ledger, sync: undefined, liveStorage: storage, status: () => fallback.status };
}

/** `on_store_failure` concerns a live (shared) store's outages only: next to any other storage it is a mistake. */
function rejectFailurePolicy(connectorId: string, loaded: LoadedConfig): void {
  if (!loaded.given(["storage", "on_store_failure"])) return;
  throw loaded.configError([
    {
      path: ["storage", "on_store_failure"],
      message: `does not apply to storage connector '${connectorId}': only a live state store shared by instances (e.g. redis) can become unreachable while the mesh runs. Remove the key (docs/state-stores.md)`,
    },
  ]);
}

/** A live store needs no snapshots: `sync_policy` / `sync_interval` next to it are a mistake, named at start-up. */
function rejectSyncKeys(connectorId: string, loaded: LoadedConfig): void {
  const given = SYNC_KEYS.filter((path) => loaded.given(path));
  if (given.length === 0) return;
  throw loaded.configError(
    given.map((path) => ({
      path,
      message: `does not apply to storage connector '${connectorId}': it is a live state store that every instance reads and writes directly, so there are no snapshots to sync. Remove the key (docs/ARCHITECTURE.md §2.9)`,
    })),
  );
}

/** Closes a live state after a failed start-up: the ledger, the store, then its connector. */
async function closeLiveState(ledger: StateLedger, store: StateStore, storage: StorageConnectorV1): Promise<void> {
  ledger.close();
  await Promise.allSettled([store.close?.()]);
  await Promise.allSettled([storage.close?.()]);
}

/** The observability sinks of the config (closed on close, after the feed's last flush). */
async function createSinks(config: MeshConfig, setup: Setup): Promise<TelemetrySinks> {
  const sinks: TelemetrySinks = {};
  for (const section of ["routing", "logging", "statistics"] as const) {
    const sink = config.observability[section] as { connector: string } | undefined;
    if (!sink) continue;
    const connector = await setup.registry.create<ObservabilityConnectorV1>(sink.connector, sink, setup.context(`observability.${section}`), { type: "observability", path: `observability.${section}` });
    sinks[section] = connector;
    setup.closers.push(() => connector.close?.());
  }
  return sinks;
}

/** The config's `middleware` entries, built through the registry (connectors of type `middleware`). */
async function configMiddleware(config: MeshConfig, setup: Setup): Promise<RouterMiddleware[]> {
  const out: RouterMiddleware[] = [];
  for (const [index, entry] of config.middleware.entries()) {
    const path = `middleware.${index}`;
    const middleware = await setup.registry.create<RouterMiddleware>(entry.connector, entry, setup.context(path), { type: "middleware", path });
    try {
      out.push(checkMiddleware(middleware));
    } catch (error) {
      throw new ConfigError({ code: "MM_CONNECTOR_INVALID", issues: [{ path: `${path}.connector`, message: `connector '${entry.connector}' did not build a middleware: ${(error as Error).message}` }] });
    }
  }
  return out;
}

/**
 * Connectors named by package (`connector: "@acme/modelmesh-connector-echo"`), and ids of ModelMesh packages that
 * are installed but not registered (`connector: cohere`), are imported up front, so that every later lookup (which
 * is synchronous in places) finds them.
 */
async function loadNamedConnectors(config: MeshConfig, registry: ConnectorRegistry): Promise<void> {
  const named: Array<[string, { type: ConnectorType; role?: RotationRole }, string]> = [];
  for (const [name, entry] of Object.entries(config.providers)) if (entry.enabled) named.push([entry.connector, { type: "provider" }, `providers.${name}.connector`]);
  for (const [id, pool] of Object.entries(config.pools)) {
    named.push([pool.strategy, { type: "rotation", role: "selection" }, `pools.${id}.strategy`]);
    named.push([pool.deactivation.connector, { type: "rotation", role: "deactivation" }, `pools.${id}.deactivation.connector`]);
    named.push([pool.recovery.connector, { type: "rotation", role: "recovery" }, `pools.${id}.recovery.connector`]);
  }
  // Defaults core serves itself when nothing is registered for them (env secrets, memory storage) import nothing.
  if (config.secrets.store !== DEFAULT_SECRET_STORE) named.push([config.secrets.store, { type: "secret-store" }, "secrets.store"]);
  if (config.storage.connector !== "modelmesh.memory.v1") named.push([config.storage.connector, { type: "storage" }, "storage.connector"]);
  for (const section of ["routing", "logging", "statistics"] as const) {
    const sink = config.observability[section] as { connector: string } | undefined;
    if (sink) named.push([sink.connector, { type: "observability" }, `observability.${section}.connector`]);
  }
  for (const section of ["health", "sync"] as const) if (config.discovery[section].enabled) named.push([config.discovery[section].connector, { type: "discovery" }, `discovery.${section}.connector`]);
  config.middleware.forEach((entry, index) => named.push([entry.connector, { type: "middleware" }, `middleware.${index}.connector`]));
  for (const [specifier, expected, path] of named) await registry.ensure(specifier, expected, path);
}
