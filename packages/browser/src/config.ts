/**
 * The browser build's config: an object with the same snake_case keys as `modelmesh.yaml` for the sections a
 * page needs (providers, pools, routing, storage), checked by hand instead of by the full zod schema, which
 * would weigh more than the whole router. Every problem is reported at once as a `ConfigError` naming its path,
 * like the Node loader's; a key the browser build does not support is rejected by name, never ignored.
 * Defaults come from core (`DEFAULT_POOL_ENTRY`, `DEFAULT_ROUTING`), which the schema owns (docs/browser.md).
 */
import {
  ConfigError,
  DEFAULT_ROUTING,
  defaultPoolEntry,
  tryParseDuration,
  type CapabilityTree,
  type ConfigIssue,
  type MeshConfig,
  type ModelConfig,
  type PoolConfig,
  type ProviderEntry,
  type RuntimeConfig,
  type StorageConnectorV1,
  type StreamCommit,
  type SyncPolicy,
} from "@modelmesh/core/runtime";

/** A duration: milliseconds, or a string such as `"30s"`, `"2m"`, `"500ms"`. */
export type Duration = number | string;

/** One model of a provider: its id upstream, or the id with its capability contract. */
export type BrowserModelEntry =
  | string
  | {
      id: string;
      /** Capability names or paths (default `chat-completion`). */
      capabilities?: string[];
      context_window?: number;
      max_output_tokens?: number;
      /** `tool_calling`, `vision`, `json_mode`, `structured_output`, `system_prompt`, `reasoning`… */
      features?: Record<string, boolean>;
      enabled?: boolean;
    };

/** Per-provider timeouts (as `providers.<id>.timeouts` in YAML). */
export interface BrowserTimeouts {
  connect?: Duration;
  first_token?: Duration | "auto";
  idle?: Duration;
  response?: Duration;
}

/** `providers.<id>`: an OpenAI-compatible endpoint. */
export interface BrowserProviderEntry {
  /** `openai-compatible` (the default; `openai` is the same with api.openai.com as the default base URL). */
  connector?: "openai-compatible" | "openai";
  /** Base URL including the version prefix, e.g. `https://api.groq.com/openai/v1`. */
  base_url?: string;
  /** Sent as a bearer token. Anyone who can read the page can read it: see docs/browser.md. */
  api_key?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The models to route to (none listed: the provider's `/models` listing at start-up). */
  models?: BrowserModelEntry[];
  enabled?: boolean;
  timeouts?: BrowserTimeouts;
}

/** `pools.<id>`: a virtual model name and how requests for it rotate. */
export interface BrowserPoolEntry {
  /** Members: every model with this capability (name or path)… */
  capability?: string;
  /** …or these models (`<provider>.<model>` ids)… */
  models?: string[];
  /** …or every model of these providers. */
  providers?: string[];
  excluded_providers?: string[];
  /** `priority-selection` (default: first available in order) or `stick-until-failure`. */
  strategy?: "priority-selection" | "stick-until-failure" | "modelmesh.priority-selection.v1" | "modelmesh.stick-until-failure.v1";
  model_priority?: string[];
  provider_priority?: string[];
  deadline?: Duration;
  deactivation?: { retry_limit?: number; error_rate_threshold?: number; error_rate_window?: number; error_rate_min_samples?: number };
  recovery?: { cooldown?: Duration; cooldown_growth?: number; max_cooldown?: Duration };
  retry?: { max_attempts?: number; max_total_attempts?: number; backoff?: "fixed" | "exponential_jitter" | "retry_after"; initial_delay?: Duration; max_delay?: Duration; honor_retry_after?: boolean };
  failover_on_content_filter?: boolean;
  timeouts?: { first_token?: Duration | "auto" };
  stream?: { commit?: StreamCommit };
}

/** Where the mesh's state (cooldowns, parked routes, quotas) lives. */
export type BrowserStorageKind = "memory" | "local-storage" | "session-storage" | "indexeddb";

/** `storage`: a kind, a storage connector instance, or either with its sync settings. */
export type BrowserStorageConfig =
  | BrowserStorageKind
  | StorageConnectorV1
  | { connector: BrowserStorageKind | StorageConnectorV1; sync_policy?: Exclude<SyncPolicy, "in-memory">; sync_interval?: Duration; prefix?: string; database?: string };

/** The object config of `createBrowser`. */
export interface BrowserConfig {
  providers?: Record<string, BrowserProviderEntry>;
  pools?: Record<string, BrowserPoolEntry>;
  routing?: {
    deadline?: Duration;
    timeouts?: BrowserTimeouts;
    stream?: { resume?: boolean; commit?: StreamCommit };
  };
  /** Default `memory` (state lasts as long as the page). */
  storage?: BrowserStorageConfig;
  /**
   * Keys behind a server: the URL of a ModelMesh proxy (`modelmesh serve --cors-origin <this page's origin>`),
   * e.g. `https://mesh.example.com/v1`, or several for failover between proxies. The proxy routes; its pools
   * become this client's pools. Exclusive with `providers`.
   */
  proxy?: { url: string | string[]; token?: string };
}

/** A provider after checking: what the browser build constructs. */
export interface NormalizedProvider {
  name: string;
  connector: "openai-compatible" | "openai";
  baseUrl: string | undefined;
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  /** Models with resolved capability paths; undefined: listed by the provider at start-up. */
  models: Array<{ id: string; capabilities: string[]; context_window?: number; max_output_tokens?: number; features?: Record<string, boolean> }> | undefined;
}

/** The checked config: the runtime config core assembles from, plus what only the browser build reads. */
export interface NormalizedBrowserConfig {
  runtime: RuntimeConfig;
  providers: NormalizedProvider[];
  storage: { connector: BrowserStorageKind | StorageConnectorV1; policy: Exclude<SyncPolicy, "in-memory">; intervalMs: number | undefined; prefix: string | undefined; database: string | undefined };
  proxy: { urls: string[]; token: string | undefined } | undefined;
}

const TOP_KEYS = ["providers", "pools", "routing", "storage", "proxy"];
/** Sections of the Node config the browser build does not run, with the reason given when one is present. */
const NODE_ONLY: Record<string, string> = {
  secrets: "secret stores are not part of the browser build: pass keys in `providers.<id>.api_key` (or keep them behind a proxy, see `proxy`)",
  observability: "observability connectors are not part of the browser build: subscribe with `client.on(type, listener)`",
  discovery: "discovery is not part of the browser build",
  connectors: "connector packages are not loaded by the browser build: pass instances instead",
  models: "declare models under `providers.<id>.models` in the browser build",
  capabilities: "custom capability nodes are not supported by the browser build",
};
const SYNC_POLICIES = ["sync-on-boundary", "periodic", "immediate"];
const STORAGE_KINDS: readonly string[] = ["memory", "local-storage", "session-storage", "indexeddb"];
const STRATEGIES: Record<string, string> = {
  "priority-selection": "modelmesh.priority-selection.v1",
  "modelmesh.priority-selection.v1": "modelmesh.priority-selection.v1",
  "stick-until-failure": "modelmesh.stick-until-failure.v1",
  "modelmesh.stick-until-failure.v1": "modelmesh.stick-until-failure.v1",
};
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_ITEMS = 1000;

/**
 * Checks a browser config and fills in the defaults; throws one `ConfigError` listing every problem.
 * @example
 * const normalized = normalizeBrowserConfig({ providers: { local: { base_url: "http://127.0.0.1:8000/v1", models: ["llama"] } } }, tree);
 */
export function normalizeBrowserConfig(input: unknown, tree: CapabilityTree): NormalizedBrowserConfig {
  const c = new Checker(tree);
  const root = c.object(input, "") ?? {};
  c.keys(root, "", TOP_KEYS, NODE_ONLY);
  const routing = c.routing(root.routing);
  const proxy = c.proxy(root.proxy);
  const providers: NormalizedProvider[] = [];
  const providerEntries: Record<string, ProviderEntry> = {};
  const models: Record<string, ModelConfig> = {};
  const providerSection = c.object(root.providers, "providers");
  if (providerSection) {
    if (proxy) c.issue("providers", "cannot be combined with `proxy`: with a proxy, the proxy's providers and pools are used");
    for (const [name, raw] of c.entries(providerSection, "providers")) {
      const p = c.provider(name, raw);
      if (!p) continue;
      providerEntries[name] = p.entry;
      if (!p.entry.enabled) continue;
      providers.push(p.provider);
      for (const m of p.provider.models ?? []) models[`${name}.${m.id}`] = modelConfigOf(name, m);
    }
  } else if (!proxy) {
    c.issue("providers", "is required: at least one provider (or `proxy` with a ModelMesh proxy URL)");
  }
  const pools: Record<string, PoolConfig> = {};
  const poolSection = c.object(root.pools, "pools");
  if (poolSection) for (const [id, raw] of c.entries(poolSection, "pools")) {
    const pool = c.pool(id, raw, providerEntries, models);
    if (pool) pools[id] = pool;
  }
  const storage = c.storage(root.storage);
  c.throwIfAny();
  return { runtime: { providers: providerEntries, models, pools, routing, capabilities: [] }, providers, storage, proxy };
}

type Obj = Record<string, unknown>;

class Checker {
  readonly issues: ConfigIssue[] = [];
  constructor(readonly tree: CapabilityTree) {}

  issue(path: string, message: string): void {
    if (this.issues.length < 100) this.issues.push({ path, message });
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ConfigError({ issues: this.issues, file: "browser config" });
  }

  object(value: unknown, path: string): Obj | undefined {
    if (value === undefined) return undefined;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.issue(path, `expected an object, got ${kindOf(value)}`);
      return undefined;
    }
    return value as Obj;
  }

  entries(obj: Obj, path: string): Array<[string, unknown]> {
    const out = Object.entries(obj);
    if (out.length > MAX_ITEMS) {
      this.issue(path, `has ${out.length} entries; at most ${MAX_ITEMS}`);
      return out.slice(0, MAX_ITEMS);
    }
    for (const [key] of out) if (!ID.test(key)) this.issue(`${path}.${key.slice(0, 64)}`, "ids are 1-128 characters of letters, digits, `.`, `_` and `-`, starting with a letter or digit");
    return out.filter(([key]) => ID.test(key));
  }

  keys(obj: Obj, path: string, allowed: readonly string[], reasons: Record<string, string> = {}): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const at = path === "" ? key : `${path}.${key}`;
      this.issue(at, reasons[key] ?? `is not a key the browser build knows (known: ${allowed.join(", ")})`);
    }
  }

  string(value: unknown, path: string, options: { url?: boolean; max?: number } = {}): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "") {
      this.issue(path, `expected a non-empty string, got ${kindOf(value)}`);
      return undefined;
    }
    const max = options.max ?? 4096;
    if (value.length > max) {
      this.issue(path, `is ${value.length} characters long; at most ${max}`);
      return undefined;
    }
    if (options.url) {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
        this.issue(path, "expected an absolute http(s) URL");
        return undefined;
      }
    }
    return value;
  }

  strings(value: unknown, path: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.issue(path, `expected a list of strings, got ${kindOf(value)}`);
      return undefined;
    }
    if (value.length > MAX_ITEMS) {
      this.issue(path, `has ${value.length} items; at most ${MAX_ITEMS}`);
      return undefined;
    }
    const out: string[] = [];
    value.forEach((item, i) => {
      const s = this.string(item, `${path}.${i}`, { max: 256 });
      if (s !== undefined) out.push(s);
    });
    return out;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined || typeof value === "boolean") return value;
    this.issue(path, `expected true or false, got ${kindOf(value)}`);
    return undefined;
  }

  number(value: unknown, path: string, options: { min?: number; max?: number; int?: boolean } = {}): number | undefined {
    if (value === undefined) return undefined;
    const { min = 0, max = Number.MAX_SAFE_INTEGER, int = true } = options;
    if (typeof value !== "number" || !Number.isFinite(value) || (int && !Number.isInteger(value)) || value < min || value > max) {
      this.issue(path, `expected ${int ? "an integer" : "a number"} from ${min} to ${max}, got ${kindOf(value)}`);
      return undefined;
    }
    return value;
  }

  duration(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    const ms = tryParseDuration(value);
    if (ms === undefined || ms < 0) {
      this.issue(path, `expected a duration (milliseconds, or a string such as "30s", "2m", "500ms"), got ${kindOf(value)}`);
      return undefined;
    }
    return ms;
  }

  firstToken(value: unknown, path: string): number | "auto" | undefined {
    return value === "auto" ? "auto" : this.duration(value, path);
  }

  capability(value: unknown, path: string): string | undefined {
    const name = this.string(value, path, { max: 256 });
    if (name === undefined) return undefined;
    const full = this.tree.tryResolve(name);
    if (full === undefined) {
      this.issue(path, `unknown or ambiguous capability "${name}"`);
      return undefined;
    }
    return full;
  }

  timeouts(value: unknown, path: string): { connect?: number; first_token?: number | "auto"; idle?: number; response?: number } | undefined {
    const t = this.object(value, path);
    if (!t) return undefined;
    this.keys(t, path, ["connect", "first_token", "idle", "response"]);
    return dropUndefined({
      connect: this.duration(t.connect, `${path}.connect`),
      first_token: this.firstToken(t.first_token, `${path}.first_token`),
      idle: this.duration(t.idle, `${path}.idle`),
      response: this.duration(t.response, `${path}.response`),
    });
  }

  streamCommit(value: unknown, path: string): StreamCommit | undefined {
    if (value === undefined || value === "first_token" || value === "complete") return value;
    const o = this.object(value, path);
    if (o && Object.keys(o).length === 1 && (o.chars !== undefined || o.ms !== undefined)) {
      if (o.chars !== undefined) {
        const chars = this.number(o.chars, `${path}.chars`, { min: 1 });
        return chars === undefined ? undefined : { chars };
      }
      const ms = this.duration(o.ms, `${path}.ms`);
      return ms === undefined ? undefined : { ms };
    }
    if (o) this.issue(path, 'expected "first_token", "complete", { chars: N } or { ms: N }');
    return undefined;
  }

  routing(value: unknown): MeshConfig["routing"] {
    const routing = structuredClone(DEFAULT_ROUTING) as MeshConfig["routing"];
    const r = this.object(value, "routing");
    if (!r) return routing;
    this.keys(r, "routing", ["deadline", "timeouts", "stream"]);
    const deadline = this.duration(r.deadline, "routing.deadline");
    if (deadline !== undefined) routing.deadline = deadline;
    Object.assign(routing.timeouts, this.timeouts(r.timeouts, "routing.timeouts"));
    const s = this.object(r.stream, "routing.stream");
    if (s) {
      this.keys(s, "routing.stream", ["resume", "commit"]);
      const resume = this.boolean(s.resume, "routing.stream.resume");
      if (resume !== undefined) routing.stream.resume = resume;
      const commit = this.streamCommit(s.commit, "routing.stream.commit");
      if (commit !== undefined) routing.stream.commit = commit;
    }
    return routing;
  }

  proxy(value: unknown): NormalizedBrowserConfig["proxy"] {
    const p = this.object(value, "proxy");
    if (!p) return undefined;
    this.keys(p, "proxy", ["url", "token"]);
    const raw = Array.isArray(p.url) ? p.url : [p.url];
    if (raw.length === 0 || raw.length > 16) this.issue("proxy.url", "expected one URL or a list of 1 to 16");
    const urls = raw.map((u, i) => this.string(u, Array.isArray(p.url) ? `proxy.url.${i}` : "proxy.url", { url: true })).filter((u): u is string => u !== undefined);
    if (p.url === undefined) this.issue("proxy.url", "is required: the ModelMesh proxy's OpenAI base URL, e.g. https://mesh.example.com/v1");
    return { urls, token: this.string(p.token, "proxy.token") };
  }

  provider(name: string, value: unknown): { entry: ProviderEntry; provider: NormalizedProvider } | undefined {
    const path = `providers.${name}`;
    const p = this.object(value, path);
    if (!p) {
      if (value === undefined) this.issue(path, "expected an object");
      return undefined;
    }
    this.keys(p, path, ["connector", "base_url", "api_key", "headers", "models", "enabled", "timeouts"], {
      config: "the browser build takes `base_url`, `api_key` and `headers` directly on the provider entry",
      quota: "quotas are not supported by the browser build yet",
      budget: "budgets are not supported by the browser build yet",
    });
    const connector = p.connector ?? "openai-compatible";
    if (connector !== "openai-compatible" && connector !== "openai") {
      this.issue(`${path}.connector`, `the browser build ships the "openai-compatible" and "openai" connectors; got ${kindOf(connector)}`);
    }
    const baseUrl = this.string(p.base_url, `${path}.base_url`, { url: true });
    if (p.base_url === undefined && connector !== "openai") this.issue(`${path}.base_url`, "is required for an openai-compatible provider");
    const headers = this.object(p.headers, `${path}.headers`);
    if (headers) for (const [k, v] of Object.entries(headers)) if (typeof v !== "string") this.issue(`${path}.headers.${k}`, `expected a string, got ${kindOf(v)}`);
    const enabled = this.boolean(p.enabled, `${path}.enabled`) ?? true;
    const models = this.models(p.models, `${path}.models`);
    const timeouts = this.timeouts(p.timeouts, `${path}.timeouts`);
    const entry = { connector, enabled, config: {}, ...(timeouts ? { timeouts } : {}) } as unknown as ProviderEntry;
    return {
      entry,
      provider: { name, connector: connector as NormalizedProvider["connector"], baseUrl, apiKey: this.string(p.api_key, `${path}.api_key`, { max: 8192 }), headers: headers as Record<string, string> | undefined, models },
    };
  }

  models(value: unknown, path: string): NormalizedProvider["models"] {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ITEMS) {
      this.issue(path, Array.isArray(value) && value.length > MAX_ITEMS ? `lists ${value.length} models; at most ${MAX_ITEMS}` : `expected a list of 1 to ${MAX_ITEMS} models (ids or objects with an id), got ${Array.isArray(value) ? "an empty list" : kindOf(value)}`);
      return undefined;
    }
    const out: NonNullable<NormalizedProvider["models"]> = [];
    const seen = new Set<string>();
    value.forEach((raw, i) => {
      const at = `${path}.${i}`;
      const m = typeof raw === "string" ? { id: raw } : this.object(raw, at);
      if (!m) return;
      if (typeof raw !== "string") this.keys(m, at, ["id", "capabilities", "context_window", "max_output_tokens", "features", "enabled"]);
      const id = this.string(m.id, `${at}.id`, { max: 256 });
      if (id === undefined) {
        if (m.id === undefined) this.issue(`${at}.id`, "is required");
        return;
      }
      if (seen.has(id)) this.issue(`${at}.id`, `"${id}" is listed twice`);
      seen.add(id);
      if (this.boolean(m.enabled, `${at}.enabled`) === false) return;
      const names = this.strings(m.capabilities, `${at}.capabilities`) ?? ["chat-completion"];
      const capabilities = names.map((n, j) => this.capability(n, `${at}.capabilities.${j}`)).filter((x): x is string => x !== undefined);
      const features = this.object(m.features, `${at}.features`);
      if (features) for (const [k, v] of Object.entries(features)) this.boolean(v, `${at}.features.${k}`);
      out.push(
        dropUndefined({
          id,
          capabilities,
          context_window: this.number(m.context_window, `${at}.context_window`, { min: 1 }),
          max_output_tokens: this.number(m.max_output_tokens, `${at}.max_output_tokens`, { min: 1 }),
          features: features as Record<string, boolean> | undefined,
        }),
      );
    });
    return out;
  }

  pool(id: string, value: unknown, providers: Record<string, ProviderEntry>, models: Record<string, ModelConfig>): PoolConfig | undefined {
    const path = `pools.${id}`;
    const p = this.object(value, path);
    if (!p) {
      if (value === undefined) this.issue(path, "expected an object");
      return undefined;
    }
    this.keys(p, path, ["capability", "models", "providers", "excluded_providers", "strategy", "model_priority", "provider_priority", "deadline", "deactivation", "recovery", "retry", "failover_on_content_filter", "timeouts", "stream"]);
    const pool = defaultPoolEntry();
    const capability = p.capability === undefined ? undefined : this.capability(p.capability, `${path}.capability`);
    if (capability !== undefined) pool.capability = capability;
    const members = this.strings(p.models, `${path}.models`);
    if (members) {
      for (const [i, m] of members.entries()) if (!(m in models)) this.issue(`${path}.models.${i}`, `unknown model "${m}" (models are "<provider>.<model id>": ${Object.keys(models).slice(0, 5).join(", ") || "none declared"})`);
      pool.models = members;
    }
    for (const key of ["providers", "excluded_providers", "provider_priority"] as const) {
      const list = this.strings(p[key], `${path}.${key}`);
      if (!list) continue;
      for (const [i, name] of list.entries()) if (!(name in providers)) this.issue(`${path}.${key}.${i}`, `unknown provider "${name}"`);
      (pool as Record<string, unknown>)[key] = list;
    }
    const priority = this.strings(p.model_priority, `${path}.model_priority`);
    if (priority) pool.model_priority = priority;
    if (capability === undefined && !members && !pool.providers) this.issue(path, "needs `capability`, `models` or `providers` to have members");
    if (p.strategy !== undefined) {
      const strategy = typeof p.strategy === "string" ? STRATEGIES[p.strategy] : undefined;
      if (strategy === undefined) this.issue(`${path}.strategy`, `the browser build ships "priority-selection" and "stick-until-failure"; got ${kindOf(p.strategy)}`);
      else pool.strategy = strategy;
    }
    const deadline = this.duration(p.deadline, `${path}.deadline`);
    if (deadline !== undefined) pool.deadline = deadline;
    const d = this.object(p.deactivation, `${path}.deactivation`);
    if (d) {
      this.keys(d, `${path}.deactivation`, ["retry_limit", "error_rate_threshold", "error_rate_window", "error_rate_min_samples"]);
      Object.assign(pool.deactivation, dropUndefined({
        retry_limit: this.number(d.retry_limit, `${path}.deactivation.retry_limit`, { min: 1, max: 1000 }),
        error_rate_threshold: this.number(d.error_rate_threshold, `${path}.deactivation.error_rate_threshold`, { min: 0, max: 1, int: false }),
        error_rate_window: this.number(d.error_rate_window, `${path}.deactivation.error_rate_window`, { min: 1, max: 10_000 }),
        error_rate_min_samples: this.number(d.error_rate_min_samples, `${path}.deactivation.error_rate_min_samples`, { min: 1, max: 10_000 }),
      }));
    }
    const r = this.object(p.recovery, `${path}.recovery`);
    if (r) {
      this.keys(r, `${path}.recovery`, ["cooldown", "cooldown_growth", "max_cooldown"]);
      Object.assign(pool.recovery, dropUndefined({
        cooldown: this.duration(r.cooldown, `${path}.recovery.cooldown`),
        cooldown_growth: this.number(r.cooldown_growth, `${path}.recovery.cooldown_growth`, { min: 1, max: 100, int: false }),
        max_cooldown: this.duration(r.max_cooldown, `${path}.recovery.max_cooldown`),
      }));
    }
    const t = this.object(p.retry, `${path}.retry`);
    if (t) {
      this.keys(t, `${path}.retry`, ["max_attempts", "max_total_attempts", "backoff", "initial_delay", "max_delay", "honor_retry_after"]);
      if (t.backoff !== undefined && t.backoff !== "fixed" && t.backoff !== "exponential_jitter" && t.backoff !== "retry_after") this.issue(`${path}.retry.backoff`, `expected fixed, exponential_jitter or retry_after, got ${kindOf(t.backoff)}`);
      else if (t.backoff !== undefined) pool.retry.backoff = t.backoff;
      Object.assign(pool.retry, dropUndefined({
        max_attempts: this.number(t.max_attempts, `${path}.retry.max_attempts`, { min: 0, max: 100 }),
        max_total_attempts: this.number(t.max_total_attempts, `${path}.retry.max_total_attempts`, { min: 1, max: 1000 }),
        initial_delay: this.duration(t.initial_delay, `${path}.retry.initial_delay`),
        max_delay: this.duration(t.max_delay, `${path}.retry.max_delay`),
        honor_retry_after: this.boolean(t.honor_retry_after, `${path}.retry.honor_retry_after`),
      }));
    }
    const filter = this.boolean(p.failover_on_content_filter, `${path}.failover_on_content_filter`);
    if (filter !== undefined) pool.failover_on_content_filter = filter;
    const timeouts = this.object(p.timeouts, `${path}.timeouts`);
    if (timeouts) {
      this.keys(timeouts, `${path}.timeouts`, ["first_token"]);
      const firstToken = this.firstToken(timeouts.first_token, `${path}.timeouts.first_token`);
      if (firstToken !== undefined) pool.timeouts = { first_token: firstToken } as PoolConfig["timeouts"];
    }
    const stream = this.object(p.stream, `${path}.stream`);
    if (stream) {
      this.keys(stream, `${path}.stream`, ["commit"]);
      const commit = this.streamCommit(stream.commit, `${path}.stream.commit`);
      if (commit !== undefined) pool.stream = { commit } as PoolConfig["stream"];
    }
    return pool;
  }

  storage(value: unknown): NormalizedBrowserConfig["storage"] {
    // `immediate`: a page is reloaded or closed without `close()`, so every change is saved as it happens.
    const out: NormalizedBrowserConfig["storage"] = { connector: "memory", policy: "immediate", intervalMs: undefined, prefix: undefined, database: undefined };
    if (value === undefined) return out;
    if (typeof value === "string") {
      if (STORAGE_KINDS.includes(value)) out.connector = value as BrowserStorageKind;
      else this.issue("storage", `expected one of ${STORAGE_KINDS.join(", ")}, a storage connector, or { connector, sync_policy, sync_interval }; got ${kindOf(value)}`);
      return out;
    }
    if (isStorageConnector(value)) {
      out.connector = value;
      return out;
    }
    const s = this.object(value, "storage");
    if (!s) return out;
    this.keys(s, "storage", ["connector", "sync_policy", "sync_interval", "prefix", "database"]);
    if (typeof s.connector === "string" && STORAGE_KINDS.includes(s.connector)) out.connector = s.connector as BrowserStorageKind;
    else if (isStorageConnector(s.connector)) out.connector = s.connector;
    else this.issue("storage.connector", `expected one of ${STORAGE_KINDS.join(", ")} or a storage connector instance, got ${kindOf(s.connector)}`);
    if (s.sync_policy !== undefined) {
      if (typeof s.sync_policy === "string" && SYNC_POLICIES.includes(s.sync_policy)) out.policy = s.sync_policy as NormalizedBrowserConfig["storage"]["policy"];
      else this.issue("storage.sync_policy", `expected one of ${SYNC_POLICIES.join(", ")}, got ${kindOf(s.sync_policy)}`);
    }
    out.intervalMs = this.duration(s.sync_interval, "storage.sync_interval");
    if (out.intervalMs !== undefined && out.policy !== "periodic") this.issue("storage.sync_interval", "only applies with sync_policy: periodic");
    out.prefix = this.string(s.prefix, "storage.prefix", { max: 128 });
    out.database = this.string(s.database, "storage.database", { max: 128 });
    if (out.prefix !== undefined && out.connector !== "local-storage" && out.connector !== "session-storage") this.issue("storage.prefix", "only applies to local-storage and session-storage");
    if (out.database !== undefined && out.connector !== "indexeddb") this.issue("storage.database", "only applies to indexeddb");
    return out;
  }
}

/** A checked model as core's `models.<provider>.<id>` entry. */
export function modelConfigOf(provider: string, m: NonNullable<NormalizedProvider["models"]>[number]): ModelConfig {
  return dropUndefined({ enabled: true, provider, model: m.id, capabilities: m.capabilities, features: m.features, context_window: m.context_window, max_output_tokens: m.max_output_tokens }) as unknown as ModelConfig;
}

function isStorageConnector(value: unknown): value is StorageConnectorV1 {
  const v = value as Partial<StorageConnectorV1> | null;
  return typeof v === "object" && v !== null && v.specificationVersion === "v1" && typeof v.load === "function" && typeof v.save === "function";
}

/** What a value is, for messages: never the value itself beyond a short, non-secret hint. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return value.length <= 40 ? JSON.stringify(value) : `a string of ${value.length} characters`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value === "object" ? "an object" : typeof value;
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}
