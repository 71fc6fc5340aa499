/**
 * Sections that configure service connectors: `secrets`, `storage`, `observability`, `discovery`,
 * `connectors` (docs/ARCHITECTURE.md §2.9, §2.10, §2.12). Each connector block passes its extra keys through to the
 * connector, which validates them with its own schema.
 */
import { z } from "zod";
import { STORE_FAILURE_POLICIES, type StoreFailurePolicy } from "../state/fallback-store.js";
import type { SyncPolicy } from "../state/sync.js";
import { exclusive, getIn, isRecord } from "./schema-checks.js";
import { duration, flag, idList, notSupported, positiveInt, size, text } from "./schema-primitives.js";

/** The secret store that resolves `${secrets:…}`. Extra keys pass through to the store connector. */
export const secretsSchema = z.looseObject({
  /** Secret store connector id. Default `modelmesh.env.v1` (reads the environment). */
  store: text().default("modelmesh.env.v1"),
  /** File of file-backed stores (dotenv default `./.env`). */
  path: text().optional(),
  /** Cloud region of cloud secret managers. */
  region: text().optional(),
  /** Lifetime of cached resolved secrets; output ms. No caching when unset. */
  cache_ttl: duration().optional(),
  /** Re-resolve secrets when another provider is activated. */
  reload_on_rotation: notSupported(flag(), "secrets are resolved once, when the mesh starts; restart (or hot-reload the proxy config) to pick up a rotated key", (on) => !on).optional(),
});

/** Every `SyncPolicy` once (a missing or an extra one fails to compile), so the schema cannot drift from the type. */
const SYNC_POLICIES: Readonly<Record<SyncPolicy, true>> = { "in-memory": true, "sync-on-boundary": true, periodic: true, immediate: true };

/** State persistence policy (`storage.sync_policy`, docs/ARCHITECTURE.md §2.9). */
export const syncPolicySchema = z.enum(Object.keys(SYNC_POLICIES) as [SyncPolicy, ...SyncPolicy[]]);

/** Requires an interval when the (flat or nested) policy is `periodic`; reports it where the policy is. */
const periodicNeedsInterval = z.superRefine(
  (value: unknown, ctx) => {
    if (!isRecord(value)) return;
    const nested = getIn(value, ["persistence", "sync_policy"]);
    const policy = value.sync_policy ?? nested;
    const interval = value.sync_interval ?? getIn(value, ["persistence", "sync_interval"]);
    if (policy !== "periodic" || interval !== undefined) return;
    const path = value.sync_policy === undefined && nested !== undefined ? ["persistence", "sync_interval"] : ["sync_interval"];
    ctx.addIssue({ code: "custom", path, message: "required when sync_policy is periodic" });
  },
  { when: () => true },
);

/** Where state (health, counters, cooldowns, quota use) lives. Extra keys pass through to the connector. */
export const storageSchema = z
  .looseObject({
    /** Storage connector id. Default `modelmesh.memory.v1`. */
    connector: text().default("modelmesh.memory.v1"),
    /** `in-memory`, `sync-on-boundary` (default), `periodic` or `immediate`. */
    sync_policy: syncPolicySchema.optional(),
    /** Save period for `periodic` (required then); output ms. */
    sync_interval: duration().optional(),
    /**
     * What a live (shared) store's outage does: `local` (default: keep serving on local state, reconcile when
     * it returns) or `fail` (requests that need it fail with MM_STORE_UNAVAILABLE). Live stores only.
     */
    on_store_failure: z.enum(Object.keys(STORE_FAILURE_POLICIES) as [StoreFailurePolicy, ...StoreFailurePolicy[]]).optional(),
    /** SystemServices' nested form of `sync_policy` / `sync_interval`; normalised to the flat keys. */
    persistence: z
      .strictObject({ sync_policy: syncPolicySchema.optional(), sync_interval: duration().optional() })
      .optional(),
  })
  .check(
    exclusive([
      [["sync_policy"], ["persistence", "sync_policy"]],
      [["sync_interval"], ["persistence", "sync_interval"]],
    ]),
  )
  .check(periodicNeedsInterval)
  .transform(({ persistence, ...storage }) => {
    const syncInterval = storage.sync_interval ?? persistence?.sync_interval;
    return {
      ...storage,
      sync_policy: storage.sync_policy ?? persistence?.sync_policy ?? "sync-on-boundary",
      ...(syncInterval !== undefined ? { sync_interval: syncInterval } : {}),
    };
  });

/** Routing-decision and event sink. Extra keys pass through. */
export const routingSinkSchema = z.looseObject({
  /** Observability connector id. Default `modelmesh.console.v1`. */
  connector: text().default("modelmesh.console.v1"),
  /** Event types sent (e.g. `model_deactivated`). Default: all. */
  events: idList().optional(),
});

/** Per-request log sink. Extra keys pass through. */
export const loggingSinkSchema = z.looseObject({
  /** Observability connector id. Default `modelmesh.console.v1`. */
  connector: text().default("modelmesh.console.v1"),
  /** Detail: `metadata` (default), `summary` or `full` (complete payloads). */
  level: z.enum(["metadata", "summary", "full"]).default("metadata"),
  /** Hide keys and tokens in logged payloads. Default true. */
  redact: flag().default(true),
  /** Truncate logged payloads beyond this size; output bytes. No limit when unset. */
  max_payload_size: size().optional(),
});

/** Most intervals a `retention` may span (`retention / flush_interval`): each is a bucket kept in memory. */
const MAX_STATISTICS_BUCKETS = 1_440;

/** `retention` spans whole flush intervals, at least one and at most {@link MAX_STATISTICS_BUCKETS}. */
const retentionFitsInterval = z.superRefine(
  (value: unknown, ctx) => {
    if (!isRecord(value) || typeof value.retention !== "number" || typeof value.flush_interval !== "number") return;
    if (value.retention < value.flush_interval) ctx.addIssue({ code: "custom", path: ["retention"], message: "must be at least flush_interval (statistics cover whole flush intervals)" });
    else if (value.retention / value.flush_interval > MAX_STATISTICS_BUCKETS) ctx.addIssue({ code: "custom", path: ["retention"], message: `spans more than ${MAX_STATISTICS_BUCKETS} flush intervals; raise flush_interval or shorten retention` });
  },
  { when: () => true },
);

/** Aggregate metrics sink. Extra keys pass through. */
export const statisticsSinkSchema = z.looseObject({
  /** Observability connector id. Default `modelmesh.console.v1`. */
  connector: text().default("modelmesh.console.v1"),
  /** Period of statistics flushes (and one more on close); output ms. Default 60s. */
  flush_interval: duration().default(60_000),
  /** What each flush covers (e.g. `1h`): the last whole flush intervals within it; output ms. Default: one `flush_interval`. */
  retention: duration().optional(),
  /** Aggregation scopes. Default: all three. */
  scopes: z.array(z.enum(["model", "provider", "pool"])).optional(),
}).check(retentionFitsInterval);

/** Three independent sinks; an absent one means no connector (null). */
export const observabilitySchema = z.strictObject({
  /** Routing decisions and state events. */
  routing: routingSinkSchema.optional(),
  /** Per-request logs. */
  logging: loggingSinkSchema.optional(),
  /** Aggregate statistics. */
  statistics: statisticsSinkSchema.optional(),
});

/** Background registry sync (`modelmesh.registry-sync.v1`). Extra keys pass through. */
export const discoverySyncSchema = z.looseObject({
  /** Discovery connector id. Default `modelmesh.registry-sync.v1`. */
  connector: text().default("modelmesh.registry-sync.v1"),
  /** Run the sync. Default false. */
  enabled: flag().default(false),
  /** Sync period; output ms. Default 1h. */
  interval: duration().default(3_600_000),
  /** Register newly found models. Default false. */
  auto_register: flag().default(false),
  /** Provider names to sync. Default: all enabled. */
  providers: idList().optional(),
});

/** Background health probes (`modelmesh.health-monitor.v1`). Extra keys pass through. */
export const discoveryHealthSchema = z.looseObject({
  /** Discovery connector id. Default `modelmesh.health-monitor.v1`. */
  connector: text().default("modelmesh.health-monitor.v1"),
  /** Run the probes. Default false. */
  enabled: flag().default(false),
  /** Probe period; output ms. Default 60s. */
  interval: duration().default(60_000),
  /** Timeout per probe; output ms. Default 10s. */
  timeout: duration().default(10_000),
  /** Consecutive probe failures that deactivate a provider. Default 3. */
  failure_threshold: positiveInt().default(3),
  /** Provider names to probe. Default: all enabled. */
  providers: idList().optional(),
});

/** Background discovery services. */
export const discoverySchema = z.strictObject({
  /** Registry sync (defaults applied, off by default). */
  sync: discoverySyncSchema.prefault({}),
  /** Health monitor (defaults applied, off by default). */
  health: discoveryHealthSchema.prefault({}),
});

/** Extra connector packages to load with `import()`. */
export const connectorsSchema = z.strictObject({
  /** npm package names or module paths (e.g. `@acme/modelmesh-connector-echo`). Default []. */
  packages: idList().default([]),
});

/** One `middleware` entry: a middleware connector and its settings (extra keys go to the connector). */
export const middlewareEntrySchema = z.looseObject({
  /** Middleware connector id or alias (a connector of type `middleware`). */
  connector: text(),
});

/** The `middleware` section: router middleware, outermost first. */
export const middlewareSchema = z.array(middlewareEntrySchema).max(64, { error: "at most 64 middleware" });
