import { ConfigError, type ConnectorContext, type ConnectorDescriptor } from "@modelmesh/core";
import { defineConnector, providerConfigFromYaml, providerConfigSchema, type Transport } from "@modelmesh/cdk";
import { z } from "zod";
import { GEMINI_BASE_URL, GeminiProvider, type GeminiProviderConfig } from "./gemini-provider.js";

/**
 * The `google.gemini.v1` connector descriptor: the snake_case YAML block (the CDK's provider keys plus
 * Gemini's own) validated by zod, and a factory. The API key comes from `api_key` / `auth.api_key`, else
 * from `GEMINI_API_KEY` or `GOOGLE_API_KEY` in the environment the mesh passes (never read implicitly).
 */

/** Zod schema of the YAML / config block (snake_case keys; unknown keys are kept). */
export const geminiProviderConfigSchema = providerConfigSchema.extend({
  /** API root without the version; default `https://generativelanguage.googleapis.com`. */
  base_url: z.url().optional(),
  /** Version path segment, e.g. `v1beta` (default) or `v1`. */
  api_version: z.string().regex(/^v\d+[a-z0-9]*$/, "expected a version segment such as v1beta").optional(),
  /** Merge `GET /{version}/models` into the catalogue on the first `listModels()`. */
  discover_models: z.boolean().optional(),
  /** How `response_format: json_schema` is sent (see GeminiProviderConfig.schemaMode). */
  schema_mode: z.enum(["auto", "json-schema", "openapi"]).optional(),
});

/** The validated YAML block. */
export type GeminiProviderConfigBlock = z.infer<typeof geminiProviderConfigSchema>;

/**
 * Builds a provider from a snake_case block (as in YAML) plus what YAML cannot carry.
 * @throws ConfigError naming every invalid path.
 * @example
 * const gemini = createGeminiProvider({ api_key: key, models: [{ id: "gemini-2.5-flash", capabilities: ["generation.text-generation.chat-completion"] }] });
 */
export function createGeminiProvider(block: GeminiProviderConfigBlock | Record<string, unknown> = {}, extras: Partial<GeminiProviderConfig> = {}): GeminiProvider {
  const result = geminiProviderConfigSchema.safeParse(block);
  if (!result.success) {
    // Paths only: values are never echoed (they may be secrets).
    throw new ConfigError({ issues: result.error.issues.map((issue) => ({ path: ["config", ...issue.path.map(String)].join("."), message: issue.message })) });
  }
  const parsed = result.data;
  const config = providerConfigFromYaml({ ...parsed, base_url: parsed.base_url ?? GEMINI_BASE_URL });
  return new GeminiProvider({ ...(config as GeminiProviderConfig), ...extras });
}

/** The connector: `connector: google.gemini.v1` (alias `gemini`) under `providers.<name>` in a config. */
export const connector: ConnectorDescriptor<GeminiProviderConfigBlock, GeminiProvider> = /*#__PURE__*/ defineConnector({
  id: "google.gemini.v1",
  type: "provider",
  specificationVersion: "v1",
  aliases: ["gemini", "google-gemini"],
  runtime: "universal",
  description: "Google Gemini (Developer API): generateContent, streamGenerateContent, embeddings, model listing.",
  configSchema: geminiProviderConfigSchema,
  create: (config: GeminiProviderConfigBlock, context: ConnectorContext) => {
    const hasKey = config.api_key !== undefined || config.auth?.api_key !== undefined;
    const envKey = context.env.GEMINI_API_KEY ?? context.env.GOOGLE_API_KEY;
    const block = hasKey || envKey === undefined ? config : { ...config, api_key: envKey };
    const transport = typeof context.transport === "function" ? (context.transport as Transport) : undefined;
    return createGeminiProvider(block, { id: context.instanceId, ...(transport ? { transport } : {}), ...(context.clock ? { clock: context.clock } : {}) });
  },
});
