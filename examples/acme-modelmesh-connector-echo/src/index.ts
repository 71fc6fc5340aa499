/**
 * `@acme/modelmesh-connector-echo` — the template of a third-party ModelMesh connector package (CONTRIBUTING.md, "Add a connector"):
 * named `@scope/modelmesh-connector-<name>`, keyword `modelmesh-connector`, core and cdk as peer
 * dependencies, a named `connector` export and no registration at import time. A config loads it with
 * `connectors.packages: ["@acme/modelmesh-connector-echo"]` and uses it as `connector: acme.echo.v1`.
 */
import { defineConnector, providerConfigSchema, type Transport } from "@modelmesh/cdk";
import type { ConnectorContext } from "@modelmesh/core";
import { z } from "zod";
import { EchoProvider } from "./echo-provider.js";

export { EchoProvider, type EchoProviderConfig } from "./echo-provider.js";

/** The snake_case config block: the CDK provider block plus `system_prompt`. */
export const echoConfigSchema = providerConfigSchema.extend({ system_prompt: z.string().min(1).optional() });

/** The validated config block. */
export type EchoConfig = z.infer<typeof echoConfigSchema>;

/** The connector descriptor the ModelMesh registry loads (`acme.echo.v1`, alias `acme-echo`). */
export const connector = defineConnector({
  id: "acme.echo.v1",
  type: "provider",
  specificationVersion: "v1",
  aliases: ["acme-echo"],
  runtime: "universal",
  description: "Acme's OpenAI-compatible provider with a house system prompt.",
  configSchema: echoConfigSchema,
  create: (config: EchoConfig, context: ConnectorContext) =>
    EchoProvider.fromConfig(config, {
      id: context.instanceId,
      clock: context.clock,
      ...(typeof context.transport === "function" ? { transport: context.transport as Transport } : {}),
    }),
});
