/**
 * A mesh built from YAML through core's `createMesh`, with this package's connectors (plus the CDK's
 * non-observability ones for the provider) and the mock provider from `@modelmesh/testing/server` upstream.
 */
import { ConnectorRegistry, createMesh, type Clock, type ConnectorDescriptor, type Mesh } from "@modelmesh/core";
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { OBSERVABILITY_CONNECTORS } from "../../src/index.js";
import { OBSERVABILITY_NODE_CONNECTORS } from "../../src/node.js";

/** This package's connectors and the CDK's others; `extra` replaces same-id ones of this package. */
export function registryWith(extra: readonly ConnectorDescriptor[] = []): ConnectorRegistry {
  const replaced = new Set(extra.map((c) => c.id));
  const ours = [...OBSERVABILITY_CONNECTORS, ...OBSERVABILITY_NODE_CONNECTORS].filter((c) => !replaced.has(c.id));
  return new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...ours, ...extra] });
}

export interface TestMesh {
  mesh: Mesh;
  mock: MockProvider;
  chat(text: string): Promise<void>;
  close(): Promise<void>;
}

/** YAML of one mock provider plus `observability` (indented two spaces per level, given without the key). */
export function meshYaml(baseUrl: string, observability: string): string {
  return `providers:
  mock:
    connector: openai-compatible
    config:
      base_url: "${baseUrl}"
      models:
        - id: "gpt-4o"
          capabilities: ["generation.text-generation.chat-completion"]
observability:
${observability}`;
}

export async function startMesh(observability: string, options: { extra?: readonly ConnectorDescriptor[]; env?: Record<string, string>; clock?: Clock } = {}): Promise<TestMesh> {
  const mock = await startMockProvider({ models: [{ id: "gpt-4o" }] });
  try {
    const mesh = await createMesh(meshYaml(mock.url, observability), { registry: registryWith(options.extra), env: options.env ?? {}, ...(options.clock ? { clock: options.clock } : {}) });
    return {
      mesh,
      mock,
      chat: async (text) => {
        await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: text }] });
      },
      close: async () => {
        await mesh.close();
        await mock.close();
      },
    };
  } catch (error) {
    await mock.close();
    throw error;
  }
}

/** The error `createMesh` fails with for this observability block. */
export async function meshError(observability: string, extra: readonly ConnectorDescriptor[] = []): Promise<{ code?: string; issues?: Array<{ path: string; message: string }>; message: string }> {
  const error = await createMesh(meshYaml("http://127.0.0.1:9/v1", observability), { registry: registryWith(extra), env: {} }).then(
    async (mesh) => {
      await mesh.close();
      throw new Error("createMesh succeeded");
    },
    (caught: unknown) => caught,
  );
  return error as { code?: string; issues?: Array<{ path: string; message: string }>; message: string };
}
