/**
 * The one config schema (docs/ARCHITECTURE.md §2.2): snake_case keys, the same in YAML and in code. Parsing
 * normalises the document: durations become milliseconds, sizes bytes, synonyms their canonical key,
 * shorthands fold into their block, and models listed inline under a provider are lifted into `models`.
 * Cross-references (providers, models, capability tree) are checked afterwards by `validateReferences`.
 */
import { z } from "zod";
import { isRecord } from "./schema-checks.js";
import { modelsSectionSchema } from "./schema-model.js";
import { poolsSectionSchema } from "./schema-pool.js";
import { providersSectionSchema } from "./schema-provider.js";
import { routingSchema, proxySchema } from "./schema-proxy.js";
import { connectorsSchema, discoverySchema, middlewareSchema, observabilitySchema, secretsSchema, storageSchema } from "./schema-services.js";

/** Names of the top-level sections, in documentation order. */
export const CONFIG_SECTIONS = [
  "secrets",
  "providers",
  "models",
  "pools",
  "storage",
  "observability",
  "discovery",
  "middleware",
  "connectors",
  "proxy",
  "routing",
  "capabilities",
] as const;

const documentSchema = z.strictObject({
  /** Secret store that resolves `${secrets:…}`; resolved first, may use only `${env:…}`. */
  secrets: secretsSchema.prefault({}),
  /** Provider name → provider connector instance. */
  providers: providersSectionSchema.prefault({}),
  /** Model id → capability contract (plus models lifted from `providers.<name>.models`). */
  models: modelsSectionSchema.prefault({}),
  /** Pool id → virtual model with rotation rules. */
  pools: poolsSectionSchema.prefault({}),
  /** State persistence connector and sync policy. */
  storage: storageSchema.prefault({}),
  /** Routing, logging and statistics sinks. */
  observability: observabilitySchema.prefault({}),
  /** Registry sync and health monitor. */
  discovery: discoverySchema.prefault({}),
  /** Router middleware by connector id, outermost first (each entry's other keys go to its connector). */
  middleware: middlewareSchema.default([]),
  /** Extra connector packages to load. */
  connectors: connectorsSchema.prefault({}),
  /** The OpenAI-compatible proxy server. */
  proxy: proxySchema.prefault({}),
  /** Global deadline, timeouts and stream behaviour. */
  routing: routingSchema.prefault({}),
  /**
   * Custom capability nodes added to the shipped tree (e.g. `compliance.pii-detection`): missing ancestors
   * are created; models may then register at the new leaves and pools target any of the new nodes.
   */
  capabilities: z.array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/, { error: "expected a dotted capability path of [a-z0-9-] segments" })).default([]),
});

/** Ids of the models a (possibly unparsed) provider entry lists inline, from `models` and `config.models`. */
function inlineModelIds(provider: unknown): string[] {
  if (!isRecord(provider)) return [];
  const lists = [provider.models, isRecord(provider.config) ? provider.config.models : undefined];
  return lists.flatMap((list) =>
    Array.isArray(list) ? list.map((item: unknown) => (isRecord(item) ? item.id : undefined)).filter((id): id is string => typeof id === "string") : [],
  );
}

/** An inline provider model must not also be defined in `models` under its lifted id. */
const noLiftedDuplicates = z.superRefine(
  (value: unknown, ctx) => {
    if (!isRecord(value) || !isRecord(value.providers) || !isRecord(value.models)) return;
    for (const [name, provider] of Object.entries(value.providers)) {
      for (const id of inlineModelIds(provider)) {
        const key = `${name}.${id}`;
        if (Object.hasOwn(value.models, key)) {
          ctx.addIssue({ code: "custom", path: ["models", key], message: `model "${id}" is also listed under providers.${name}; define it once` });
        }
      }
    }
  },
  { when: () => true },
);

/**
 * The whole config document. `safeParse` gives the normalised {@link MeshConfig}; every section is
 * optional and defaults are applied. Unknown keys are errors except in connector pass-through blocks
 * (`providers.*.config`, `secrets`, `storage`, observability sinks, discovery services).
 */
export const meshConfigSchema = documentSchema.check(noLiftedDuplicates).transform((doc) => {
  type Model = (typeof doc.models)[string];
  const lifted: Record<string, Model> = {};
  const providers: Record<string, Omit<(typeof doc.providers)[string], "models">> = {};
  for (const [name, { models, ...provider }] of Object.entries(doc.providers)) {
    providers[name] = provider;
    for (const { id, ...model } of models) lifted[`${name}.${id}`] = { ...model, provider: name, model: id };
  }
  return { ...doc, providers, models: { ...lifted, ...doc.models } };
});

/** The validated, normalised configuration (durations in ms, sizes in bytes, defaults applied). */
export type MeshConfig = z.output<typeof meshConfigSchema>;

/** The configuration as written (YAML or code): snake_case keys, duration/size strings, synonyms allowed. */
export type MeshConfigInput = z.input<typeof meshConfigSchema>;

/**
 * One normalised `providers.<name>` entry: the connector id, its `config` block and the provider-wide settings.
 * (`ProviderConfig` in `@modelmesh/cdk` is something else: the camelCase options of a CDK provider class.)
 */
export type ProviderEntry = MeshConfig["providers"][string];
/** One normalised `models.<id>` entry (`model` = vendor id, always set). */
export type ModelConfig = MeshConfig["models"][string];
/** One normalised `pools.<id>` entry. */
export type PoolConfig = MeshConfig["pools"][string];
/** The normalised `secrets` section. */
export type SecretsConfig = MeshConfig["secrets"];
/** The normalised `storage` section. */
export type StorageConfig = MeshConfig["storage"];
/** The normalised `observability` section. */
export type ObservabilityConfig = MeshConfig["observability"];
/** The normalised `discovery` section. */
export type DiscoveryConfig = MeshConfig["discovery"];
/** The normalised `connectors` section. */
export type ConnectorsConfig = MeshConfig["connectors"];
/** The normalised `proxy` section. */
export type ProxyConfig = MeshConfig["proxy"];
/** The normalised `routing` section. */
export type RoutingConfig = MeshConfig["routing"];

/**
 * Types a config written in code; returns it unchanged. Keys are the same snake_case keys as in YAML.
 * @example
 * const config = defineConfig({
 *   providers: { openai: { connector: "openai.llm.v1", config: { api_key: "${secrets:OPENAI_API_KEY}" } } },
 *   pools: { "text-generation": { strategy: "modelmesh.cost-first.v1" } },
 * });
 */
export function defineConfig(config: MeshConfigInput): MeshConfigInput {
  return config;
}
