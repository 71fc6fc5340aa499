import { defineConnector, type Transport } from "@modelmesh/cdk";
import type { ConnectorContext, ConnectorDescriptor } from "@modelmesh/core";
import type { z } from "zod";
import { anthropicConfigFromBlock, anthropicProviderConfigSchema, type AnthropicProviderConfig } from "./anthropic-config.js";
import { ANTHROPIC_CONNECTOR_ID } from "./anthropic-error-mapping.js";
import { AnthropicProvider } from "./anthropic-provider.js";

/** The validated snake_case config block the descriptor's `create` receives. */
type ValidatedBlock = z.output<typeof anthropicProviderConfigSchema>;

/**
 * Builds an {@link AnthropicProvider} from the snake_case config block (the same keys as in YAML);
 * `extras` supplies what a config file cannot (transport, clock, instance id).
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid key.
 * @example
 * const claude = createAnthropicProvider({ api_key: process.env.ANTHROPIC_API_KEY, betas: ["prompt-caching-2024-07-31"] });
 * const reply = await claude.complete({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "Hello" }] });
 */
export function createAnthropicProvider(block: unknown = {}, extras: Partial<AnthropicProviderConfig> = {}): AnthropicProvider {
  return new AnthropicProvider({ ...anthropicConfigFromBlock(block), ...extras });
}

/**
 * The `anthropic.claude.v1` connector descriptor (aliases `anthropic`, `claude`). Runs everywhere: it uses
 * the transport of the mesh's context (undici on Node) or `fetch`. Nothing is registered on import.
 */
export const connector: ConnectorDescriptor<ValidatedBlock, AnthropicProvider> = /*#__PURE__*/ defineConnector({
  id: ANTHROPIC_CONNECTOR_ID,
  type: "provider",
  specificationVersion: "v1",
  aliases: ["anthropic", "claude"],
  runtime: "universal",
  description: "Anthropic Claude (Messages API), translated to and from the OpenAI wire format.",
  configSchema: anthropicProviderConfigSchema,
  create: (config: ValidatedBlock, context: ConnectorContext) =>
    createAnthropicProvider(config, {
      id: context.instanceId,
      clock: context.clock,
      ...(context.transport ? { transport: context.transport as Transport } : {}),
    }),
});
