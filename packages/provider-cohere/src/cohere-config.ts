import { providerConfigFromYaml, providerConfigSchema, type ProviderConfig } from "@modelmesh/cdk";
import { ConfigError } from "@modelmesh/core";
import { z } from "zod";

/**
 * Configuration of `cohere.chat.v2`: the snake_case block (YAML and code alike, docs/ARCHITECTURE.md §2.2),
 * validated by {@link cohereProviderConfigSchema}, and its camelCase form {@link CohereProviderConfig}.
 * Unknown keys are rejected (a typo must not be ignored), and so are the OpenAI-only keys of cdk's base block
 * that have no Cohere meaning (`organization`, `project`, `stream_usage`).
 */

/** Default API origin; `/v2/chat`, `/v2/embed` and `/v1/models` are appended, as the official SDK does. */
export const COHERE_BASE_URL = "https://api.cohere.com";

/** Environment variables read for the key when the config sets none (in this order; the SDK reads the first). */
export const COHERE_KEY_VARS: readonly string[] = Object.freeze(["CO_API_KEY", "COHERE_API_KEY"]);

/** The `input_type` values of `POST /v2/embed` (image embeddings are not part of the OpenAI shape). */
export const COHERE_INPUT_TYPES = ["search_document", "search_query", "classification", "clustering"] as const;

/** An embeddings `input_type`. */
export type CohereInputType = (typeof COHERE_INPUT_TYPES)[number];

/** camelCase configuration of {@link CohereProvider}. */
export interface CohereProviderConfig extends Omit<ProviderConfig, "baseUrl"> {
  /** API origin without `/v2`; default `https://api.cohere.com`. */
  baseUrl?: string;
  /** The API key, sent as `Authorization: Bearer <key>`. Never appears in errors. */
  apiKey?: string;
  /** `input_type` of embeddings requests that set none; default `search_document`. */
  defaultInputType?: CohereInputType;
  /** `truncate` of embeddings requests that set none (Cohere's default is `END`). */
  embedTruncate?: "NONE" | "START" | "END";
  /** Sent as `X-Client-Name` (Cohere's per-application attribution header). */
  clientName?: string;
  /** When true, `listModels()` asks `GET /v1/models` once and merges the answer with the catalogue. */
  discoverModels?: boolean;
  /** CORS proxy for browsers: the full target URL is appended to it as path. */
  proxyUrl?: string;
}

const notForCohere = (why: string) => z.never({ error: why }).optional();

/** Zod schema of the snake_case config block (cdk's provider keys plus Cohere's own; unknown keys rejected). */
export const cohereProviderConfigSchema = /*#__PURE__*/ providerConfigSchema
  .extend({
    base_url: z.url().optional(),
    // Cohere authenticates with an API key only: another method would be accepted and then ignored.
    auth: z
      .strictObject({
        method: z.literal("api_key", { error: "Cohere accepts API keys only (auth.method: api_key)" }).optional(),
        api_key: z.string().optional(),
      })
      .optional(),
    default_input_type: z.enum(COHERE_INPUT_TYPES).optional(),
    embed_truncate: z.enum(["NONE", "START", "END"]).optional(),
    client_name: z.string().min(1).optional(),
    discover_models: z.boolean().optional(),
    proxy_url: z.url().optional(),
    organization: notForCohere("Cohere has no organization header; remove organization"),
    project: notForCohere("Cohere has no project header; remove project"),
    stream_usage: notForCohere("Cohere streams always report usage in message-end; remove stream_usage"),
  })
  .strict();

/** The snake_case config block, as validated. */
export type CohereProviderConfigBlock = z.input<typeof cohereProviderConfigSchema>;

/**
 * Validates a snake_case block and maps it to {@link CohereProviderConfig} (models, timeout and auth are
 * mapped by cdk's `providerConfigFromYaml`).
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid path (values are never echoed).
 */
export function cohereConfigFromBlock(block: unknown, path = "config"): CohereProviderConfig {
  const parsed = cohereProviderConfigSchema.safeParse(block ?? {});
  if (!parsed.success) {
    throw new ConfigError({
      issues: parsed.error.issues.map((issue) => ({
        path: [path, ...issue.path.map(String), ...(issue.code === "unrecognized_keys" ? [issue.keys.join(",")] : [])].join("."),
        message: issue.code === "unrecognized_keys" ? `unknown key(s) for cohere.chat.v2: ${issue.keys.join(", ")}` : issue.message,
      })),
    });
  }
  return providerConfigFromYaml({ ...parsed.data, base_url: parsed.data.base_url ?? COHERE_BASE_URL }, path) as CohereProviderConfig;
}

/** The key of a block, else the first of {@link COHERE_KEY_VARS} set in `env` (the mesh passes its env). */
export function apiKeyFromEnv(block: { api_key?: string | undefined; auth?: { api_key?: string | undefined } | undefined }, env: Record<string, string | undefined>): string | undefined {
  if (block.api_key !== undefined || block.auth?.api_key !== undefined) return undefined;
  for (const name of COHERE_KEY_VARS) {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}
