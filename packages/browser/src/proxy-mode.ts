/**
 * Proxy mode (`proxy: { url, token }`): provider keys stay on a server. The page's client routes to one or
 * more ModelMesh proxies (`modelmesh serve --cors-origin <origin>`), which route to the providers. At start
 * the client reads each proxy's `GET /models` (the `modelmesh` fields name its pools and their capability);
 * every proxy pool becomes a pool of this client with one member per proxy, in the order given, so a dead
 * proxy fails over to the next (docs/browser.md).
 */
import { ConfigError, type CapabilityTree, type PoolConfig } from "@modelmesh/core/runtime";
import { defaultPoolEntry } from "@modelmesh/core/runtime";
import { modelConfigOf, type NormalizedBrowserConfig, type NormalizedProvider } from "./config.js";
import { defaultTransport, type BrowserTransport } from "./provider.js";

/** Largest `/models` answer read from a proxy. */
const MAX_LISTING_BYTES = 1 << 20;
/** How long listing a proxy's pools may take. */
const LISTING_TIMEOUT_MS = 10_000;

interface ProxyPool {
  id: string;
  capability: string;
}

/** The config with the proxies as providers and their pools as this client's pools. */
export async function proxyConfig(config: NormalizedBrowserConfig, tree: CapabilityTree, transport: BrowserTransport | undefined): Promise<NormalizedBrowserConfig> {
  const proxy = config.proxy!;
  const send = transport ?? defaultTransport();
  const names = proxy.urls.map((_, i) => (proxy.urls.length === 1 ? "proxy" : `proxy-${i + 1}`));
  const listings = await Promise.allSettled(proxy.urls.map((url) => listPools(url, proxy.token, send, tree)));
  const failures = listings.flatMap((r, i) => (r.status === "rejected" ? [{ path: proxy.urls.length === 1 ? "proxy.url" : `proxy.url.${i}`, message: reasonOf(r.reason) }] : []));
  if (failures.length === proxy.urls.length) throw new ConfigError({ issues: failures, file: "browser config" });
  // Every proxy serves every pool any of them lists: one that could not be listed now (down, restarting) is
  // still a member, tried in its turn and parked like any unreachable endpoint while it stays down.
  const pools = new Map<string, string>();
  for (const listing of listings) if (listing.status === "fulfilled") for (const pool of listing.value) if (!pools.has(pool.id)) pools.set(pool.id, pool.capability);
  const runtime = { ...config.runtime, providers: { ...config.runtime.providers }, models: { ...config.runtime.models }, pools: { ...config.runtime.pools } };
  // A pool named by a branch (`embeddings`) serves every leaf under it: the proxy picks among its members.
  const models = [...pools].map(([id, capability]) => ({ id, capabilities: tree.isLeaf(capability) ? [capability] : tree.leavesUnder(capability) }));
  const providers: NormalizedProvider[] = proxy.urls.map((url, i) => ({ name: names[i]!, connector: "openai-compatible", baseUrl: url, apiKey: proxy.token, headers: undefined, models }));
  for (const { name } of providers) {
    runtime.providers[name] = { connector: "openai-compatible", enabled: true, config: {} } as unknown as NormalizedBrowserConfig["runtime"]["providers"][string];
    for (const m of models) runtime.models[`${name}.${m.id}`] = modelConfigOf(name, m);
  }
  for (const [id, capability] of pools) {
    const pool: PoolConfig = defaultPoolEntry(capability);
    pool.models = providers.map(({ name }) => `${name}.${id}`);
    runtime.pools[id] = pool;
  }
  return { ...config, runtime, providers };
}

/** The pools a proxy lists (`GET <url>/models`, `modelmesh.kind: "pool"` entries). */
async function listPools(url: string, token: string | undefined, send: BrowserTransport, tree: CapabilityTree): Promise<ProxyPool[]> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await send({ method: "GET", url: `${url.replace(/\/+$/, "")}/models`, headers, signal: AbortSignal.timeout(LISTING_TIMEOUT_MS) });
  const declared = Number(response.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_LISTING_BYTES) {
    await response.cancel();
    throw new Error(`the proxy's /models answer is ${declared} bytes; at most ${MAX_LISTING_BYTES}`);
  }
  const text = await response.text();
  if (response.status !== 200) throw new Error(`the proxy answered GET /models with HTTP ${response.status}${response.status === 401 ? " (check proxy.token)" : ""}`);
  if (text.length > MAX_LISTING_BYTES) throw new Error(`the proxy's /models answer is over ${MAX_LISTING_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error("the proxy's /models answer is not JSON (is proxy.url the proxy's /v1 base URL?)");
  }
  const data = (body as { data?: unknown }).data;
  if (!Array.isArray(data)) throw new Error("the proxy's /models answer has no `data` list (is proxy.url a ModelMesh proxy's /v1 base URL?)");
  const pools: ProxyPool[] = [];
  for (const entry of data.slice(0, 10_000)) {
    const e = entry as { id?: unknown; modelmesh?: { kind?: unknown; capability?: unknown } };
    if (typeof e.id !== "string" || e.modelmesh?.kind !== "pool" || typeof e.modelmesh.capability !== "string") continue;
    const capability = tree.tryResolve(e.modelmesh.capability);
    if (capability !== undefined) pools.push({ id: e.id, capability });
  }
  if (pools.length === 0) throw new Error("the proxy lists no pools this token may use");
  return pools;
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `could not list the proxy's pools: ${message.replace(/^\[modelmesh\] \[[^\]]*\] /, "")}`;
}
