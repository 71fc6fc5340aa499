/**
 * Config-only connectors through core's registry: the seed's `openai-compatible` block, pointed at the mock
 * provider, serves a chat and a stream through `createMesh`, with the host's transport; an unknown connector
 * id fails at start-up naming its config path.
 */
import { ConfigError, ConnectorRegistry, createMesh, type ChatCompletionChunk, type Mesh } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CDK_CONNECTORS } from "../../src/connectors/index.js";
import { createUndiciTransport } from "../../src/transport/undici-transport.js";
import type { Transport } from "../../src/transport/types.js";

const KEY = "sk-proxy-key-0123456789abcdef";

/** The seed's config-only provider, verbatim except for the mock's URL. */
const seedYaml = (baseUrl: string) => `
providers:
  my-openai-proxy:
    connector: openai-compatible
    config:
      base_url: "${baseUrl}"
      auth:
        method: api_key
        api_key: "\${secrets:proxy-key}"
      models:
        - id: "gpt-4o"
          capabilities: ["generation.text-generation.chat-completion"]
          context_window: 128000
`;

let mock: MockProvider;
let mesh: Mesh;
const sent: string[] = [];

beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "gpt-4o" }], apiKey: KEY });
  const undici = createUndiciTransport();
  const transport: Transport = (request) => {
    sent.push(`${request.method} ${new URL(request.url).pathname}`);
    return undici(request);
  };
  mesh = await createMesh(seedYaml(mock.url), {
    registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }),
    transport,
    env: { PROXY_KEY: KEY },
  });
});

afterAll(async () => {
  await mesh?.close();
  await mock?.close();
});

describe("the seed's config-only openai-compatible provider", () => {
  it("is built by the registry from the YAML block", () => {
    const provider = mesh.router.providers.get("my-openai-proxy")?.connector;
    expect(provider).toMatchObject({ id: "my-openai-proxy", connectorId: "modelmesh.openai-compatible.v1" });
  });

  it("serves a chat through the host's transport, with the secret resolved from the env store", async () => {
    const { value, trace } = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "hello mesh" }] });
    expect(value.choices[0]?.message.content).toBe("echo: hello mesh");
    expect(trace.attempts.at(-1)).toMatchObject({ providerId: "my-openai-proxy", modelId: "my-openai-proxy.gpt-4o", ok: true });
    expect(sent).toContain("POST /v1/chat/completions");
    expect(mock.calls.at(-1)?.headers.authorization).toBe("Bearer ***");
  });

  it("serves a stream", async () => {
    const { value } = await mesh.router.chatStream({ model: "chat-completion", messages: [{ role: "user", content: "stream please" }] });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of value) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("")).toBe("echo: stream please");
    expect(mock.calls.at(-1)).toMatchObject({ stream: true, model: "gpt-4o" });
  });
});

describe("an unknown connector id", () => {
  it("fails at createMesh with MM_CONNECTOR_UNKNOWN naming the path and the close match", async () => {
    const yaml = seedYaml("http://127.0.0.1:9/v1").replace("connector: openai-compatible", "connector: openai-compatibel");
    const error = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }), env: { PROXY_KEY: KEY } }).catch((caught: unknown) => caught);
    expect(ConfigError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_CONNECTOR_UNKNOWN" });
    const issue = (error as ConfigError).issues[0]!;
    expect(issue.path).toBe("providers.my-openai-proxy.connector");
    expect(issue.message).toMatch(/openai-compatibel/);
    expect(issue.message).toMatch(/Did you mean 'openai-compatible'/);
  });

  it("reports an invalid base_url with its config path, before any request", async () => {
    const error = await createMesh(seedYaml("not a url"), { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS] }), env: { PROXY_KEY: KEY } }).catch((caught: unknown) => caught);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((issue) => issue.path)).toContain("providers.my-openai-proxy.config.base_url");
  });
});
