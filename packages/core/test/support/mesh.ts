import { z } from "zod";
import { ConnectorRegistry, createMesh, type CreateMeshOptions, type Mesh } from "../../src/index.js";
import { createFetchProvider } from "./fetch-provider.js";

/** A provider connector for tests: speaks OpenAI HTTP to `base_url` with fetch. */
export const testProviderConnector = {
  id: "test.fetch.v1",
  type: "provider" as const,
  specificationVersion: "v1" as const,
  aliases: ["test-fetch"],
  runtime: "universal" as const,
  configSchema: z.object({ base_url: z.string().url(), api_key: z.string().optional() }).passthrough(),
  create: (config: { base_url: string }, context: { instanceId: string }) => createFetchProvider(context.instanceId, config.base_url),
};

/** createMesh with the test connector registered and fast retry defaults. */
export function meshFor(config: Record<string, unknown>, options: CreateMeshOptions = {}): Promise<Mesh> {
  const registry = new ConnectorRegistry({ connectors: [testProviderConnector] });
  return createMesh(config, { registry, env: {}, ...options });
}

/** A chat model entry for configs. */
export function chatModel(provider: string, extra: Record<string, unknown> = {}) {
  return { provider, capabilities: ["chat-completion"], ...extra };
}

export const user = (content: string) => [{ role: "user" as const, content }];
