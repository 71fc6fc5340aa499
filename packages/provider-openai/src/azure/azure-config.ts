import { ConfigError, type ConfigIssue } from "@modelmesh/core";
import { providerConfigFromYaml, providerConfigSchema } from "@modelmesh/cdk";
import { z } from "zod";
import { AZURE_OPENAI_DEFAULT_API_VERSION, normalizeEndpoint, resourceEndpoint } from "./azure-addressing.js";
import type { AzureOpenAIProviderConfig } from "./azure-provider.js";

/**
 * The snake_case config block of `azure.openai.v1` (YAML and code alike, docs/ARCHITECTURE.md §2.2) and its
 * resolution, with the connector context's environment, into an {@link AzureOpenAIProviderConfig}.
 */

/** Environment variables read when the block leaves a value out (the names the official SDK reads). */
export const AZURE_ENV = {
  endpoint: "AZURE_OPENAI_ENDPOINT",
  apiKey: "AZURE_OPENAI_API_KEY",
  adToken: "AZURE_OPENAI_AD_TOKEN",
} as const;

const shared = /* @__PURE__ */ providerConfigSchema.pick({ models: true, capabilities: true, timeout: true, headers: true, stream_usage: true });

/**
 * Zod schema of the `azure.openai.v1` block. Unknown keys are rejected (an OpenAI key such as `base_url` or
 * `organization` means nothing to Azure): `endpoint` or `resource`, `api_version`, `deployments`, `api_key` or
 * `azure_ad_token`, and the family's `models`, `capabilities`, `headers`, `timeout`, `stream_usage`.
 */
export const azureOpenAIConfigSchema = /* @__PURE__ */ z.strictObject({
  ...shared.shape,
  endpoint: z.url().optional(),
  resource: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, "expected an Azure resource name (letters, digits, hyphens), e.g. my-resource")
    .optional(),
  api_version: z
    .string()
    .regex(/^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/, 'expected "v1" or a dated version such as 2024-10-21')
    .optional(),
  deployments: z.record(z.string().min(1), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected a deployment name (letters, digits, . _ -)")).optional(),
  api_key: z.string().optional(),
  azure_ad_token: z.string().optional(),
});

/** The validated `azure.openai.v1` block. */
export type AzureOpenAIConfigBlock = z.infer<typeof azureOpenAIConfigSchema>;

/** What the resolution reads from the connector context. */
export interface AzureConfigContext {
  /** Instance id (the provider's name in the config). */
  instanceId?: string;
  /** Environment: `AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_AD_TOKEN` (read only when the block has none). */
  env?: Record<string, string | undefined>;
  /** A token provider given in code: the credential, so neither key nor static token may be configured too. */
  hasTokenProvider?: boolean;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== "" ? value : undefined;
}

/** The endpoint from `endpoint`, `resource` or `AZURE_OPENAI_ENDPOINT`; pushes an issue when there is none. */
function resolveEndpoint(block: AzureOpenAIConfigBlock, env: Record<string, string | undefined>, path: string, issues: ConfigIssue[]): string | undefined {
  if (block.endpoint !== undefined && block.resource !== undefined) {
    issues.push({ path: `${path}.endpoint`, message: "set endpoint or resource, not both" });
    return undefined;
  }
  const raw = block.endpoint ?? (block.resource !== undefined ? resourceEndpoint(block.resource) : nonEmpty(env[AZURE_ENV.endpoint]));
  if (raw === undefined) {
    issues.push({ path: `${path}.endpoint`, message: `Azure OpenAI needs its resource: set endpoint (https://<resource>.openai.azure.com), resource, or the ${AZURE_ENV.endpoint} environment variable` });
    return undefined;
  }
  const normalized = normalizeEndpoint(raw);
  if ("problem" in normalized) {
    issues.push({ path: block.endpoint !== undefined ? `${path}.endpoint` : AZURE_ENV.endpoint, message: normalized.problem });
    return undefined;
  }
  return normalized.endpoint;
}

/**
 * The credential: the block's `api_key` or `azure_ad_token` (or a token provider in code), else the
 * environment's `AZURE_OPENAI_API_KEY` or `AZURE_OPENAI_AD_TOKEN`. Exactly one is allowed at the level that
 * supplies it; both or none push an issue naming the keys (never their values).
 */
function resolveCredential(block: AzureOpenAIConfigBlock, context: AzureConfigContext, path: string, issues: ConfigIssue[]): { apiKey?: string; azureADToken?: string } {
  const env = context.env ?? {};
  const key = nonEmpty(block.api_key);
  const token = nonEmpty(block.azure_ad_token);
  const explicit = [key !== undefined, token !== undefined, context.hasTokenProvider === true].filter(Boolean).length;
  if (explicit > 1) {
    issues.push({ path: `${path}.api_key`, message: "set exactly one of api_key, azure_ad_token and azureADTokenProvider" });
    return {};
  }
  if (explicit === 1) return key !== undefined ? { apiKey: key } : token !== undefined ? { azureADToken: token } : {};
  const envKey = nonEmpty(env[AZURE_ENV.apiKey]);
  const envToken = nonEmpty(env[AZURE_ENV.adToken]);
  if (envKey !== undefined && envToken !== undefined) {
    issues.push({ path: `${path}.api_key`, message: `both ${AZURE_ENV.apiKey} and ${AZURE_ENV.adToken} are set: set api_key or azure_ad_token to choose` });
    return {};
  }
  if (envKey === undefined && envToken === undefined) {
    issues.push({
      path: `${path}.api_key`,
      message: `Azure OpenAI needs a credential: set api_key or azure_ad_token (or the ${AZURE_ENV.apiKey} / ${AZURE_ENV.adToken} environment variable), or pass azureADTokenProvider in code`,
    });
    return {};
  }
  return envKey !== undefined ? { apiKey: envKey } : { azureADToken: envToken! };
}

/**
 * Validates an `azure.openai.v1` block and resolves it with the context's environment.
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid or missing key; values are never echoed.
 */
export function resolveAzureConfig(block: unknown, context: AzureConfigContext = {}, path = "config"): AzureOpenAIProviderConfig {
  const parsed = azureOpenAIConfigSchema.safeParse(block ?? {});
  if (!parsed.success) {
    throw new ConfigError({ issues: parsed.error.issues.map((issue) => ({ path: [path, ...issue.path.map(String)].join("."), message: issue.message })) });
  }
  const data = parsed.data;
  const issues: ConfigIssue[] = [];
  const endpoint = resolveEndpoint(data, context.env ?? {}, path, issues);
  const credential = resolveCredential(data, context, path, issues);
  if (!data.models?.length && !Object.keys(data.deployments ?? {}).length) {
    issues.push({ path: `${path}.deployments`, message: "Azure OpenAI serves deployed models only: list them in deployments (model id: deployment name) or models" });
  }
  if (issues.length > 0 || endpoint === undefined) throw new ConfigError({ issues });
  // The family's shared keys (models, capabilities, headers, timeout, stream_usage) are mapped by the CDK.
  const { models, capabilities, headers, timeout, stream_usage } = data;
  const common = providerConfigFromYaml({ base_url: `${endpoint}/openai`, models, capabilities, headers, timeout, stream_usage }, path);
  const { baseUrl: _unused, ...rest } = common;
  return {
    ...rest,
    ...credential,
    endpoint,
    apiVersion: data.api_version ?? AZURE_OPENAI_DEFAULT_API_VERSION,
    ...(data.deployments ? { deployments: { ...data.deployments } } : {}),
    ...(context.instanceId !== undefined ? { id: context.instanceId } : {}),
  };
}
