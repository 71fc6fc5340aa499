import { defineConnector, type Transport } from "@modelmesh/cdk";
import type { ConnectorContext, ConnectorDescriptor } from "@modelmesh/core";
import type { z } from "zod";
import { apiKeyFromEnv, cohereConfigFromBlock, cohereProviderConfigSchema, type CohereProviderConfig } from "./cohere-config.js";
import { COHERE_CONNECTOR_ID } from "./cohere-error-mapping.js";
import { CohereProvider } from "./cohere-provider.js";

/** The validated snake_case config block the descriptor's `create` receives. */
type ValidatedBlock = z.output<typeof cohereProviderConfigSchema>;

/**
 * Builds a {@link CohereProvider} from the snake_case config block (the same keys as in YAML); `extras`
 * supplies what a config file cannot (transport, clock, instance id).
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid or unknown key.
 * @example
 * const cohere = createCohereProvider({ api_key: process.env.CO_API_KEY });
 * const reply = await cohere.complete({ model: "command-a-03-2025", messages: [{ role: "user", content: "Hello" }] });
 */
export function createCohereProvider(block: unknown = {}, extras: Partial<CohereProviderConfig> = {}): CohereProvider {
  return new CohereProvider({ ...cohereConfigFromBlock(block), ...extras });
}

/**
 * The `cohere.chat.v2` connector descriptor (alias `cohere`). The key comes from `api_key` / `auth.api_key`,
 * else from `CO_API_KEY` or `COHERE_API_KEY` in the environment the mesh passes (never read implicitly). Runs
 * everywhere: it uses the transport of the mesh's context (undici on Node) or `fetch`. Nothing is registered on
 * import.
 */
export const connector: ConnectorDescriptor<ValidatedBlock, CohereProvider> = /*#__PURE__*/ defineConnector({
  id: COHERE_CONNECTOR_ID,
  type: "provider",
  specificationVersion: "v1",
  aliases: ["cohere"],
  runtime: "universal",
  description: "Cohere (v2 chat and embed), translated to and from the OpenAI wire format.",
  configSchema: cohereProviderConfigSchema,
  create: (config: ValidatedBlock, context: ConnectorContext) => {
    const envKey = apiKeyFromEnv(config, context.env ?? {});
    return createCohereProvider(envKey === undefined ? config : { ...config, api_key: envKey }, {
      id: context.instanceId,
      clock: context.clock,
      ...(context.transport ? { transport: context.transport as Transport } : {}),
    });
  },
});
