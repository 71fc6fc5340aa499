/**
 * `providers.<name>`: one configured provider connector instance (the
 * canonical `{connector, config: {...}}` shape, docs/ARCHITECTURE.md §2.2). `config` is connector-specific and passes through; only
 * the keys every connector shares (`base_url`, `api_key`, `auth`, `models`) are checked here.
 */
import { z } from "zod";
import { isRecord } from "./schema-checks.js";
import { providerModelSchema } from "./schema-model.js";
import {
  clockTime,
  count,
  duration,
  firstTokenSetting,
  flag,
  httpUrl,
  idKey,
  notSupported,
  nullAsEmpty,
  size,
  text,
  timeZone,
  usd,
} from "./schema-primitives.js";

/**
 * How the provider authenticates. Only `api_key` works today: `oauth` and `service_account` are named in the
 * schema so a config that asks for them gets a clear error instead of an unauthenticated provider.
 */
export const authMethodSchema = notSupported(
  z.enum(["api_key", "oauth", "service_account"]),
  "the shipped provider connectors authenticate with an API key (api_key, or a token in headers); oauth and service_account come later",
  (method) => method === "api_key",
);

/** `auth.key_rotation`: only `false` (one key per provider entry; list several entries to spread load). */
const keyRotation = () =>
  notSupported(flag(), "one key per provider entry; declare the same vendor twice (two provider names, two keys) and pool them", (on) => !on);

/** Spend caps for the whole provider; hitting one deactivates the provider (reason `budget_exceeded`). */
export const budgetSchema = z.strictObject({
  /** USD per day (UTC). No cap when unset. */
  daily_limit: usd().optional(),
  /** USD per calendar month (UTC). No cap when unset. */
  monthly_limit: usd().optional(),
});

/** The vendor's quota and its reset clock. */
export const providerQuotaSchema = z.strictObject({
  /** When the vendor quota resets: `daily`, `monthly` or `rolling` (sliding window). */
  reset_schedule: z.enum(["daily", "monthly", "rolling"]).optional(),
  /** Time of day the quota resets, `HH:MM` in `time_zone`. Default `00:00`. */
  reset_time: clockTime().default("00:00"),
  /** IANA time zone of `reset_time`. Default `UTC`. */
  time_zone: timeZone().default("UTC"),
  /** Provider-wide requests per minute. */
  requests_per_minute: count().optional(),
  /** Provider-wide requests per day. */
  requests_per_day: count().optional(),
  /** Provider-wide tokens per minute. */
  tokens_per_minute: count().optional(),
  /** Provider-wide tokens per day. */
  tokens_per_day: count().optional(),
  /** The vendor API reports current usage. Default false. */
  query_current: flag().default(false),
  /** The vendor API reports remaining capacity. Default false. */
  query_remaining: flag().default(false),
});

/** Per-attempt timeouts for this provider; unset ones fall back to `routing.timeouts`. Output in ms. */
export const providerTimeoutsSchema = z.strictObject({
  /** Connect + response headers. */
  connect: duration().optional(),
  /** Time to the first token of a stream: `auto` or a duration (see `routing.timeouts.first_token`). */
  first_token: firstTokenSetting().optional(),
  /** Longest silence between two stream chunks. */
  idle: duration().optional(),
  /** Whole non-streaming response (headers + body). */
  response: duration().optional(),
});

/**
 * Size limits on what this provider's upstream sends back; bytes (size strings such as `32MB`). A response
 * past a limit fails with `MM_RESPONSE_TOO_LARGE` (an upstream fault: the request fails over).
 */
export const providerLimitsSchema = z.strictObject({
  /** Largest non-streamed response body. Default `32MB`. */
  max_response_size: size().optional(),
  /** Largest single event of a streamed response. Default `1MB`. */
  max_event_size: size().optional(),
});

/** Authentication settings at the top of a provider entry. */
export const providerAuthSchema = z.strictObject({
  /** `api_key` (default), `oauth` or `service_account`. */
  method: authMethodSchema.default("api_key"),
  /** Rotate across several keys automatically. Default false. */
  key_rotation: keyRotation().default(false),
});

/** What the connector may ask the vendor at start-up. Absent keys mean false. */
export const providerDiscoverySchema = z.strictObject({
  /** Also route to every model the vendor lists, next to the configured ones. Default false (listed only when none is configured). */
  enumerate_models: flag().default(false),
  /** Fetch context windows and prices: not supported yet (only `false`). */
  model_details: notSupported(flag(), "context windows and prices come from the config (models.<id>.context_window, pricing) or the connector's catalogue", (on) => !on).default(false),
  /** Ask which capabilities the models have: not supported yet (only `false`). */
  capability_query: notSupported(flag(), "capabilities come from the config (models.<id>.capabilities) or the connector's catalogue", (on) => !on).default(false),
});

/** Batch, file and fine-tuning APIs: ModelMesh routes none of them yet, so declaring them is an error. */
const unroutedApi = (api: string) => notSupported(z.unknown(), `ModelMesh routes no ${api} calls; remove the section`);

/**
 * Connector-specific settings, passed to the connector (which validates the rest with its own schema).
 * Extra keys pass through.
 */
export const providerConnectorConfigSchema = z.looseObject({
  /** Endpoint override (self-hosted, proxy). Default: the connector's own. */
  base_url: httpUrl().optional(),
  /** Key or token; should be a `${secrets:…}` reference. */
  api_key: z.string().optional(),
  /** Auth block (`{method, api_key}`); extra keys pass through. */
  auth: z
    .looseObject({
      method: authMethodSchema.optional(),
      api_key: z.string().optional(),
      key_rotation: keyRotation().optional(),
    })
    .optional(),
  /** Inline model list; lifted to the top-level `models` section. */
  models: z.array(providerModelSchema).optional(),
});

/** Reports an inline model id listed twice in one provider entry (in `models` or `config.models`). */
const noDuplicateModelIds = z.superRefine(
  (value: unknown, ctx) => {
    if (!isRecord(value)) return;
    const seen = new Set<string>();
    const lists: Array<[string[], unknown]> = [
      [["models"], value.models],
      [["config", "models"], isRecord(value.config) ? value.config.models : undefined],
    ];
    for (const [path, list] of lists) {
      if (!Array.isArray(list)) continue;
      list.forEach((item: unknown, index) => {
        const id = isRecord(item) ? item.id : undefined;
        if (typeof id !== "string") return;
        if (seen.has(id)) ctx.addIssue({ code: "custom", path: [...path, index, "id"], message: `model "${id}" is listed twice in this provider` });
        seen.add(id);
      });
    }
  },
  { when: () => true },
);

/** One `providers.<name>` entry before `connector` is defaulted from the key. */
export const providerEntrySchema = z
  .strictObject({
    /** Provider connector id or short alias (`openai.llm.v1`, `openai-compatible`). Default: the entry's name. */
    connector: text().optional(),
    /** Switch the provider off without deleting it. Default true. */
    enabled: flag().default(true),
    /** Connector-specific settings (passthrough). Default `{}`. */
    config: providerConnectorConfigSchema.prefault({}),
    /** Inline model list; lifted to `models["<name>.<id>"]`. Also accepted at `config.models`. */
    models: z.array(providerModelSchema).optional(),
    /** Provider-wide spend caps (USD). */
    budget: budgetSchema.optional(),
    /** Vendor quota and reset clock. */
    quota: providerQuotaSchema.optional(),
    /** Per-attempt timeouts (fall back to `routing.timeouts`). */
    timeouts: providerTimeoutsSchema.optional(),
    /** Response size limits (`max_response_size`, `max_event_size`). */
    limits: providerLimitsSchema.optional(),
    /** Authentication settings (also accepted inside `config.auth`). */
    auth: providerAuthSchema.optional(),
    /** Start-up discovery switches. */
    discovery: providerDiscoverySchema.optional(),
    /** Batch API: rejected (not supported yet). */
    batch: unroutedApi("batch API").optional(),
    /** File API: rejected (not supported yet). */
    files: unroutedApi("file API").optional(),
    /** Fine-tuning API: rejected (not supported yet). */
    fine_tuning: unroutedApi("fine-tuning API").optional(),
  })
  .check(noDuplicateModelIds)
  .transform(({ models, config, ...rest }) => {
    const { models: configModels, ...connectorConfig } = config;
    return { ...rest, config: connectorConfig, models: [...(models ?? []), ...(configModels ?? [])] };
  });

/** The `providers` section: provider name → entry, with `connector` always set. */
export const providersSectionSchema = z.record(idKey(), nullAsEmpty(providerEntrySchema)).transform((providers) =>
  Object.fromEntries(
    Object.entries(providers).map(([name, entry]) => [name, { ...entry, connector: entry.connector ?? name }]),
  ),
);
