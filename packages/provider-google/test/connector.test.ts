/** The connector descriptor, its config schema, and the connector used end to end through core's mesh. */
import { ConnectorRegistry, createMesh, isModelMeshError, systemClock, type ConnectorContext, type ProviderConnectorV1 } from "@modelmesh/core";
import { createFetchTransport, type Transport } from "@modelmesh/cdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connector, createGeminiProvider, GeminiProvider, GEMINI_BASE_URL, GEMINI_MODELS, geminiProviderConfigSchema, VERSION } from "../src/index.js";
import { startGeminiMock, type GeminiMock } from "./support/gemini-mock.js";

const KEY = "AIzaSy-connector-key-0123456789";

function context(overrides: Partial<ConnectorContext> = {}): ConnectorContext {
  return { instanceId: "gemini", clock: systemClock, env: {}, runtime: "node", ...overrides };
}

let mock: GeminiMock;
beforeAll(async () => {
  mock = await startGeminiMock({ apiKey: KEY });
});
afterAll(async () => {
  await mock.close();
});

describe("connector descriptor", () => {
  it("is a universal provider connector with id google.gemini.v1 and registers in core's registry", () => {
    expect(connector).toMatchObject({ id: "google.gemini.v1", type: "provider", specificationVersion: "v1", runtime: "universal" });
    const registry = new ConnectorRegistry({ connectors: [connector] });
    expect(registry.resolve("gemini").id).toBe("google.gemini.v1");
    expect(typeof VERSION).toBe("string");
  });

  it("validates the snake_case block and names the failing path", async () => {
    expect(geminiProviderConfigSchema.safeParse({ api_key: "k", api_version: "v1" }).success).toBe(true);
    expect(geminiProviderConfigSchema.safeParse({ base_url: "not a url" }).success).toBe(false);
    const registry = new ConnectorRegistry({ connectors: [connector] });
    const error = await registry.create("google.gemini.v1", { api_version: "beta!" }, context(), { type: "provider", path: "providers.gemini" }).catch((caught: unknown) => caught);
    expect(isModelMeshError(error) && error.code).toBe("MM_CONFIG_INVALID");
    expect((error as Error).message).toContain("providers.gemini.config.api_version");
  });

  it("defaults: Google's base URL, the Gemini catalogue, the key from GEMINI_API_KEY / GOOGLE_API_KEY", async () => {
    const provider = (await connector.create({}, context({ env: { GOOGLE_API_KEY: "from-google-env" } }))) as GeminiProvider;
    expect(provider.id).toBe("gemini");
    expect(provider.connectorId).toBe("google.gemini.v1");
    expect((await provider.listModels()).map((model) => model.id)).toEqual(GEMINI_MODELS.map((model) => model.id));
    expect((provider as unknown as { config: { baseUrl: string; apiKey: string } }).config).toMatchObject({ baseUrl: GEMINI_BASE_URL, apiKey: "from-google-env" });
    const explicit = (await connector.create({ api_key: "explicit" }, context({ env: { GEMINI_API_KEY: "env" } }))) as GeminiProvider;
    expect((explicit as unknown as { config: { apiKey: string } }).config.apiKey).toBe("explicit");
  });

  it("uses the transport the mesh passes in the context", async () => {
    let used = 0;
    const fetchTransport = createFetchTransport();
    const transport: Transport = (request) => {
      used += 1;
      return fetchTransport(request);
    };
    const provider = (await connector.create({ base_url: mock.url, api_key: KEY }, context({ transport }))) as GeminiProvider;
    await provider.complete({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] });
    expect(used).toBe(1);
  });

  it("createGeminiProvider rejects an invalid block with a ConfigError naming the path", () => {
    expect(() => createGeminiProvider({ schema_mode: "xml" })).toThrow(expect.objectContaining({ code: "MM_CONFIG_INVALID", message: expect.stringContaining("config.schema_mode") }));
  });

  it("createGeminiProvider maps YAML keys (api_version, schema_mode, models, timeout)", async () => {
    const provider = createGeminiProvider({
      base_url: mock.url,
      api_key: KEY,
      api_version: "v1beta",
      schema_mode: "openapi",
      timeout: "30s",
      models: [{ id: "gemini-2.5-flash", capabilities: ["generation.text-generation.chat-completion"], context_window: 1_048_576, features: { assistant_prefill: false }, pricing: { input_per_million: 0.3, output_per_million: 2.5 } }],
    });
    expect((await provider.listModels()).find((model) => model.id === "gemini-2.5-flash")).toMatchObject({ contextWindow: 1_048_576, features: { assistantPrefill: false }, pricing: { inputPerMillion: 0.3 } });
    await provider.complete({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object", properties: { a: { type: "string" } } } } } });
    expect(mock.calls.at(-1)!.body!.generationConfig).toEqual({ responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { a: { type: "STRING" } } } });
  });
});

describe("end to end through createMesh", () => {
  it("a YAML config naming the connector routes a chat, a stream and embeddings to Gemini", async () => {
    const registry = new ConnectorRegistry({ connectors: [connector] });
    const yaml = `providers:
  gemini:
    connector: gemini
    config:
      base_url: "${mock.url}"
      api_key: "\${env:GEMINI_API_KEY}"
`;
    const mesh = await createMesh(yaml, { registry, env: { GEMINI_API_KEY: KEY } });
    try {
      const chat = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "hello mesh" }] });
      expect(chat.value.choices[0]!.message.content).toBe("echo: hello mesh");
      const streamed = await mesh.router.chatStream({ model: "chat-completion", messages: [{ role: "user", content: "stream please" }] });
      let text = "";
      for await (const chunk of streamed.value) text += chunk.choices[0]?.delta.content ?? "";
      expect(text).toBe("echo: stream please");
      const embedded = await mesh.router.embed({ model: "text-embeddings", input: ["a", "b"] });
      expect(embedded.value.data).toHaveLength(2);
    } finally {
      await mesh.close();
    }
  });

  it("instances satisfy ProviderConnectorV1: chat and embeddings, no image generation", () => {
    const provider: ProviderConnectorV1 = new GeminiProvider({ apiKey: KEY });
    expect(provider.getCapabilities?.()).toEqual(expect.arrayContaining(["generation.text-generation.chat-completion", "representation.embeddings.text-embeddings"]));
    expect(typeof provider.embed).toBe("function");
    expect(provider.generateImage).toBeUndefined();
  });

  it("image generation routed to Gemini is MM_NOT_SUPPORTED from the router, nothing sent", async () => {
    const registry = new ConnectorRegistry({ connectors: [connector] });
    const yaml = `providers:
  gemini: { connector: gemini, config: { base_url: "${mock.url}", api_key: "\${env:GEMINI_API_KEY}" } }
models:
  gemini.pictures: { provider: gemini, model: gemini-2.5-flash, capabilities: [generation.image-generation.text-to-image] }
`;
    const mesh = await createMesh(yaml, { registry, env: { GEMINI_API_KEY: KEY } });
    const calls = mock.calls.length;
    try {
      const error = await mesh.router.generateImage({ model: "gemini.pictures", prompt: "a red square" }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "MM_NOT_SUPPORTED", category: "invalid_request" });
      expect(mock.calls.length).toBe(calls);
    } finally {
      await mesh.close();
    }
  });
});
