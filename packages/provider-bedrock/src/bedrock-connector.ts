import { defineConnector, type Transport } from "@modelmesh/cdk";
import type { ConnectorContext, ConnectorDescriptor } from "@modelmesh/core";
import type { z } from "zod";
import { bedrockConfigFromBlock, bedrockProviderConfigSchema, type BedrockProviderConfig } from "./bedrock-config.js";
import { BEDROCK_CONNECTOR_ID } from "./bedrock-error-mapping.js";
import { BedrockProvider } from "./bedrock-provider.js";

/** The validated snake_case config block the descriptor's `create` receives. */
type ValidatedBlock = z.output<typeof bedrockProviderConfigSchema>;

/** What code may add to a block: anything of the camelCase config, plus the environment to read fallbacks from. */
export interface BedrockExtras extends Partial<BedrockProviderConfig> {
  /** Environment for `AWS_REGION`, `AWS_ACCESS_KEY_ID`, …; default `process.env` where there is one. */
  env?: Record<string, string | undefined>;
}

/**
 * Builds a {@link BedrockProvider} from the snake_case config block (the same keys as in YAML); `extras`
 * supplies what a config file cannot (a credentials provider function, transport, clock, instance id).
 * @throws ConfigError (`MM_CONFIG_INVALID`) naming every invalid or missing key.
 * @example
 * const bedrock = createBedrockProvider({ region: "us-east-1" }); // credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * const reply = await bedrock.complete({ model: "amazon.nova-pro-v1:0", messages: [{ role: "user", content: "Hello" }] });
 */
export function createBedrockProvider(block: unknown = {}, extras: BedrockExtras = {}): BedrockProvider {
  const { env, ...rest } = extras;
  const fromBlock = bedrockConfigFromBlock(block, {
    env: env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {},
    credentialsGiven: rest.credentials !== undefined || rest.apiKey !== undefined,
  });
  return new BedrockProvider({ ...fromBlock, ...rest });
}

/**
 * The `aws.bedrock.v1` connector descriptor (aliases `bedrock`, `aws-bedrock`). Runs everywhere: SigV4 uses
 * web crypto, requests go through the mesh's transport (undici on Node) or `fetch`. Environment fallbacks
 * come from the mesh's `env`. Nothing is registered on import.
 */
export const connector: ConnectorDescriptor<ValidatedBlock, BedrockProvider> = /*#__PURE__*/ defineConnector({
  id: BEDROCK_CONNECTOR_ID,
  type: "provider",
  specificationVersion: "v1",
  aliases: ["bedrock", "aws-bedrock"],
  runtime: "universal",
  description: "AWS Bedrock (Converse API, SigV4 or Bedrock API keys), translated to and from the OpenAI wire format.",
  configSchema: bedrockProviderConfigSchema,
  create: (config: ValidatedBlock, context: ConnectorContext) =>
    createBedrockProvider(config, {
      env: context.env,
      id: context.instanceId,
      clock: context.clock,
      ...(context.transport ? { transport: context.transport as Transport } : {}),
    }),
});
