/**
 * Descriptors of the config-only provider connectors: a `connector: openai-compatible` block in YAML (and
 * the REST-mapping and minimal variants) become providers through the registry, with the host's transport.
 */
import type { ConnectorContext, ConnectorDescriptor } from "@modelmesh/core";
import { z } from "zod";
import { HttpApiProvider } from "../providers/http-api-provider.js";
import { OpenAICompatibleProvider } from "../providers/openai-compatible-provider.js";
import { providerConfigSchema, type ProviderConfigBlock } from "../providers/provider-config-schema.js";
import { QuickProvider } from "../providers/quick-provider.js";
import { contextTransport } from "./connector-schemas.js";

/** What YAML cannot say: instance id, connector id, clock and transport from the context. */
function extras(context: ConnectorContext, connectorId: string) {
  const transport = contextTransport(context);
  return { id: context.instanceId, connectorId, clock: context.clock, ...(transport ? { transport } : {}) };
}

/** `modelmesh.openai-compatible.v1` (`openai-compatible`): any OpenAI-compatible API, configuration only. */
export const openAICompatibleConnector: ConnectorDescriptor<ProviderConfigBlock, OpenAICompatibleProvider> = {
  id: "modelmesh.openai-compatible.v1",
  type: "provider",
  specificationVersion: "v1",
  aliases: ["openai-compatible"],
  runtime: "universal",
  description: "Any API following the OpenAI chat-completions spec (base_url includes the version prefix).",
  configSchema: providerConfigSchema,
  create: (config, context) => OpenAICompatibleProvider.fromConfig(config, extras(context, "modelmesh.openai-compatible.v1")),
};

const pathMap = z.record(z.string(), z.unknown());

/** Config of `modelmesh.http-api.v1`: the provider block plus endpoint paths and field mappings (dot paths). */
export const httpApiConfigSchema = providerConfigSchema.extend({
  completion_endpoint: z.string().optional(),
  stream_endpoint: z.string().optional(),
  request_mapping: pathMap.optional(),
  response_mapping: z.record(z.string(), z.string()).optional(),
  stream_mapping: z.record(z.string(), z.string()).optional(),
  finish_reason_map: z.record(z.string(), z.enum(["stop", "length", "tool_calls", "content_filter", "function_call"])).optional(),
});

/** `modelmesh.http-api.v1` (`http-api`): a REST API with its own JSON format, mapped field by field. */
export const httpApiConnector: ConnectorDescriptor<z.infer<typeof httpApiConfigSchema>, HttpApiProvider> = {
  id: "modelmesh.http-api.v1",
  type: "provider",
  specificationVersion: "v1",
  aliases: ["http-api"],
  runtime: "universal",
  description: "REST APIs with custom request/response formats, mapped by dot paths (request, response, stream).",
  configSchema: httpApiConfigSchema,
  create: (config, context) => HttpApiProvider.fromConfig(config, extras(context, "modelmesh.http-api.v1")),
};

/** `modelmesh.quick.v1` (`quick`): base_url + api_key; models discovered with `GET /models` on first use. */
export const quickConnector: ConnectorDescriptor<ProviderConfigBlock, QuickProvider> = {
  id: "modelmesh.quick.v1",
  type: "provider",
  specificationVersion: "v1",
  aliases: ["quick"],
  runtime: "universal",
  description: "Minimal OpenAI-compatible provider: base_url + api_key, models discovered from GET /models.",
  configSchema: providerConfigSchema,
  create: (config, context) => QuickProvider.fromConfig(config, extras(context, "modelmesh.quick.v1")),
};
