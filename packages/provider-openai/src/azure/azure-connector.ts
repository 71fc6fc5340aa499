import type { Clock, ConnectorContext, ConnectorDescriptor } from "@modelmesh/core";
import { defineConnector, type Transport } from "@modelmesh/cdk";
import type { AzureADTokenProvider } from "./azure-auth.js";
import { azureOpenAIConfigSchema, resolveAzureConfig, type AzureOpenAIConfigBlock } from "./azure-config.js";
import { AzureOpenAIProvider } from "./azure-provider.js";

/** The `azure.openai.v1` connector descriptor's type. */
export type AzureOpenAIConnector = ConnectorDescriptor<AzureOpenAIConfigBlock, AzureOpenAIProvider>;

/** Options of {@link createAzureOpenAIProvider}: the snake_case block, context parts, and what YAML cannot hold. */
export interface CreateAzureOpenAIProviderOptions extends Partial<Pick<ConnectorContext, "instanceId" | "env" | "transport" | "clock">> {
  /** `endpoint` or `resource`, `api_version`, `deployments`, `api_key` or `azure_ad_token`, `models`, `headers`, `timeout`, `stream_usage`. */
  config?: Record<string, unknown>;
  /** Returns an Entra ID access token, asked once per request (e.g. `getBearerTokenProvider` of `@azure/identity`). */
  azureADTokenProvider?: AzureADTokenProvider;
}

/**
 * Creates an `azure.openai.v1` provider outside a mesh. The endpoint and credential come from the block, else
 * from `env` (`AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_API_KEY`, `AZURE_OPENAI_AD_TOKEN`; read only when passed).
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming each invalid or missing key (values are never echoed).
 * @example
 * const azure = createAzureOpenAIProvider({
 *   config: { resource: "my-resource", deployments: { "gpt-4o": "gpt4o-prod" } },
 *   azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default"),
 * });
 * const reply = await azure.complete({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] });
 */
export function createAzureOpenAIProvider(options: CreateAzureOpenAIProviderOptions = {}): AzureOpenAIProvider {
  const { config = {}, azureADTokenProvider, instanceId, env, transport, clock } = options;
  const resolved = resolveAzureConfig(config, {
    ...(instanceId !== undefined ? { instanceId } : {}),
    ...(env !== undefined ? { env } : {}),
    hasTokenProvider: typeof azureADTokenProvider === "function",
  });
  return new AzureOpenAIProvider({
    ...resolved,
    ...(azureADTokenProvider ? { azureADTokenProvider } : {}),
    ...(typeof transport === "function" ? { transport: transport as Transport } : {}),
    ...(clock ? { clock: clock as Clock } : {}),
  });
}

/**
 * The `azure.openai.v1` connector (aliases `azure-openai`, `azure`): Azure OpenAI deployments, with a resource
 * key or an Entra ID token. Universal runtime: the mesh's transport, else `fetch`. Nothing registers at import.
 */
export const azureOpenAIConnector: AzureOpenAIConnector = /*#__PURE__*/ defineConnector({
  id: "azure.openai.v1",
  type: "provider",
  specificationVersion: "v1",
  aliases: ["azure-openai", "azure"],
  runtime: "universal",
  description: "Azure OpenAI: deployments of OpenAI models (api-key or Entra ID token), OpenAI wire format",
  configSchema: azureOpenAIConfigSchema,
  create: (config: AzureOpenAIConfigBlock, context: ConnectorContext) =>
    createAzureOpenAIProvider({ config, instanceId: context.instanceId, env: context.env, transport: context.transport, clock: context.clock }),
});
