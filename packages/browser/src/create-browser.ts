/**
 * `createBrowser()`: the OpenAI-shaped client of `modelmesh`, built from an object config on web standards
 * only. The router, state ledger, failover and stream handling are core's (`@modelmesh/core/runtime`), the
 * same code the Node build runs; only the config check, the provider construction and the storage differ
 * (docs/browser.md).
 */
import {
  assembleMesh,
  buildPools,
  CapabilityTree,
  cooldownRecoveryConnector,
  gatherModels,
  MeshClient,
  MeshEventBus,
  prioritySelectionConnector,
  probeLeaseMs,
  routerProviderOf,
  startLocalState,
  stickUntilFailureConnector,
  systemClock,
  thresholdDeactivationConnector,
  type Clock,
  type ConnectorContext,
  type DeactivationPolicyV1,
  type MeshRuntime,
  type PoolConfig,
  type PoolPolicyConfig,
  type ProviderConnectorV1,
  type RecoveryPolicyV1,
  type RotationPolicySet,
  type RouterProvider,
  type SelectionStrategyV1,
  type StorageConnectorV1,
} from "@modelmesh/core/runtime";
import { normalizeBrowserConfig, type BrowserConfig, type NormalizedBrowserConfig, type NormalizedProvider } from "./config.js";
import { createIndexedDbStorage, createWebStorage } from "./connectors/index.js";
import { createHttpProvider, type BrowserTransport } from "./provider.js";
import { proxyConfig } from "./proxy-mode.js";

/** Options of {@link createBrowser}. */
export interface CreateBrowserOptions {
  /** The object config (same keys as `modelmesh.yaml` for providers, pools, routing, storage; see docs/browser.md). */
  config: BrowserConfig;
  /** HTTP transport for every provider (default: `fetch`). */
  transport?: BrowserTransport;
  /** Pre-built providers by name; they win over the config's entry of the same name. */
  providers?: Record<string, ProviderConnectorV1>;
  clock?: Clock;
  random?: () => number;
  /** Event bus (default: a new one; `client.on()` subscribes to it). */
  events?: MeshEventBus;
}

/** The running mesh behind a browser client. */
export type BrowserMesh = MeshRuntime & { readonly storage: StorageConnectorV1 | undefined };

/**
 * Creates the OpenAI-shaped client: `chat.completions.create` (plain and `stream: true`), `embeddings.create`,
 * `models.list`, `explain`, `poolStatus`, `on`, `close`. Returns at once; the mesh starts in the background
 * (`await client.ready()` to see a bad config early: a `ConfigError` naming every problem).
 * @example
 * const client = createBrowser({
 *   config: {
 *     providers: {
 *       groq: { base_url: "https://api.groq.com/openai/v1", api_key: key, models: ["llama-3.3-70b-versatile"] },
 *       local: { base_url: "http://127.0.0.1:11434/v1", models: ["llama3.2"] },
 *     },
 *     pools: { chat: { capability: "chat-completion" } },
 *     storage: "indexeddb",
 *   },
 * });
 * const answer = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "Hi" }] });
 */
export function createBrowser(options: CreateBrowserOptions): MeshClient<BrowserMesh> {
  const events = options.events ?? new MeshEventBus();
  return new MeshClient(startBrowserMesh(options, events), events);
}

async function startBrowserMesh(options: CreateBrowserOptions, events: MeshEventBus): Promise<BrowserMesh> {
  const clock = options.clock ?? systemClock;
  const tree = CapabilityTree.createDefault();
  let normalized = normalizeBrowserConfig(options.config, tree);
  const transport = options.transport;
  if (normalized.proxy) normalized = await proxyConfig(normalized, tree, transport);
  const context = (instanceId: string): ConnectorContext => ({ instanceId, clock, env: {}, events, runtime: "browser", transport });
  const closers: Array<() => Promise<void> | void> = [];
  const storage = storageConnector(normalized.storage);
  try {
    const providers = new Map<string, RouterProvider>();
    const prebuilt = options.providers ?? {};
    for (const p of normalized.providers) {
      const connector = prebuilt[p.name] ?? createHttpProvider(p, transport, clock);
      closers.push(() => connector.close());
      providers.set(p.name, routerProviderOf(p.name, normalized.runtime.providers[p.name], connector));
    }
    for (const [name, connector] of Object.entries(prebuilt)) if (!providers.has(name)) providers.set(name, routerProviderOf(name, undefined, connector));
    const models = await gatherModels(normalized.runtime, providers, tree);
    const pools = await buildPools(normalized.runtime, models, tree, context, (id, pool) => builtInPolicies(id, pool, context(id)));
    const state = await startLocalState({
      storage: storage ? { connector: storage, policy: normalized.storage.policy, intervalMs: normalized.storage.intervalMs } : undefined,
      clock,
      events,
      probeLeaseMs: probeLeaseMs(normalized.runtime),
      closers,
    });
    const mesh = assembleMesh({ config: normalized.runtime, providers, models, pools, tree, state, clock, events, random: options.random, closers });
    const stopFlushing = state.sync ? flushOnPageHide(() => state.sync!.flush()) : undefined;
    const close = mesh.close.bind(mesh);
    return Object.assign(mesh, {
      storage,
      close: async () => {
        stopFlushing?.();
        await close();
      },
    });
  } catch (error) {
    await Promise.allSettled(closers.map((close) => close()));
    if (storage) await Promise.allSettled([storage.close?.()]);
    throw error;
  }
}

/** A pool's rotation policies from the built-in connectors (the only ones the browser build ships). */
function builtInPolicies(id: string, pool: PoolConfig, context: ConnectorContext): RotationPolicySet {
  const config: PoolPolicyConfig = { ...pool, id };
  const selection = pool.strategy === stickUntilFailureConnector.id ? stickUntilFailureConnector : prioritySelectionConnector;
  return {
    selection: selection.create(config, context) as SelectionStrategyV1,
    deactivation: thresholdDeactivationConnector.create(config, context) as DeactivationPolicyV1,
    recovery: cooldownRecoveryConnector.create(config, context) as RecoveryPolicyV1,
  };
}

/** The storage connector for `storage` (undefined: memory only). */
function storageConnector(storage: NormalizedBrowserConfig["storage"]): StorageConnectorV1 | undefined {
  const c = storage.connector;
  if (typeof c !== "string") return c;
  if (c === "memory") return undefined;
  if (c === "indexeddb") return createIndexedDbStorage(storage.database === undefined ? {} : { database: storage.database });
  // By name, not `globalThis.localStorage`: a page whose storage is blocked gets the typed "unavailable" error.
  return createWebStorage(c === "local-storage" ? "local" : "session", storage.prefix === undefined ? {} : { prefix: storage.prefix });
}

/**
 * Saves state when the page is hidden or unloaded (a reload does not run `close()`), so cooldowns and quotas
 * written just before survive it. Returns the unsubscribe function; a no-op outside a page.
 */
function flushOnPageHide(flush: () => Promise<void>): () => void {
  const target = globalThis as unknown as Partial<Pick<Window, "addEventListener" | "removeEventListener">> & { document?: Document };
  if (typeof target.addEventListener !== "function" || typeof target.removeEventListener !== "function") return () => {};
  const save = () => void flush().catch(() => {});
  const onVisibility = () => {
    if (target.document?.visibilityState === "hidden") save();
  };
  target.addEventListener("pagehide", save);
  target.addEventListener("visibilitychange", onVisibility);
  return () => {
    target.removeEventListener!("pagehide", save);
    target.removeEventListener!("visibilitychange", onVisibility);
  };
}

export type { NormalizedProvider };
