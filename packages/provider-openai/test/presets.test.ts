import { CapabilityTree, ConfigError, ConnectorRegistry, createMesh, systemClock, type ConnectorContext } from "@modelmesh/core";
import { createFetchTransport, type Transport } from "@modelmesh/cdk";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connector,
  connectors,
  createPresetProvider,
  findPreset,
  hostToBaseUrl,
  OPENAI_COMPATIBLE_PRESETS,
  OPENAI_PRESET,
  presetConnector,
} from "../src/index.js";
import { fakePreset } from "./support/fake-preset.js";

/** Presets are data: their table is checked, their config resolution tested, and a fake one routed. */

const ALL = [OPENAI_PRESET, ...OPENAI_COMPATIBLE_PRESETS];
const CONNECTOR_ID = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*\.v[0-9]+$/;
const context = (env: Record<string, string | undefined> = {}, extra: Partial<ConnectorContext> = {}): ConnectorContext => ({ instanceId: "p", clock: systemClock, env, runtime: "node", ...extra });

describe("the preset table", () => {
  const tree = CapabilityTree.createDefault();

  it("has the fourteen requested vendors with the requested ids", () => {
    expect(OPENAI_COMPATIBLE_PRESETS.map((preset) => preset.id)).toEqual([
      "groq.api.v1",
      "together.api.v1",
      "deepseek.api.v1",
      "mistral.api.v1",
      "xai.grok.v1",
      "openrouter.gateway.v1",
      "fireworks.api.v1",
      "cerebras.api.v1",
      "perplexity.search.v1",
      "huggingface.router.v1",
      "ollama.local.v1",
      "vllm.local.v1",
      "lmstudio.local.v1",
      "localai.local.v1",
    ]);
    // The presets, then Azure OpenAI (its own connector, not a preset).
    expect(connectors.map((descriptor) => descriptor.id)).toEqual([...ALL.map((preset) => preset.id), "azure.openai.v1"]);
    expect(connector.id).toBe("openai.llm.v1");
  });

  it.each(ALL.map((preset) => [preset.id, preset] as const))("%s is well-formed data", (_id, preset) => {
    expect(preset.id).toMatch(CONNECTOR_ID);
    expect(preset.aliases.length).toBeGreaterThan(0);
    expect(preset.envVar).toMatch(/^[A-Z][A-Z0-9_]*$/);
    const url = new URL(preset.baseUrl);
    expect(preset.baseUrl.endsWith("/")).toBe(false);
    expect(url.protocol).toBe(preset.local ? "http:" : "https:");
    if (preset.local) expect(preset.envVar).toMatch(/_HOST$/);
    // Hugging Face's own name for its key is HF_TOKEN.
    else expect(preset.envVar).toMatch(/_API_KEY$|^HF_TOKEN$/);
    if (preset.keyEnvVar !== undefined) {
      expect(preset.local).toBe(true);
      expect(preset.keyEnvVar).toMatch(/_API_KEY$/);
    }
    expect(preset.models.length).toBeGreaterThan(0);
    for (const model of preset.models) {
      expect(model.capabilities.length, model.id).toBeGreaterThan(0);
      for (const path of model.capabilities) expect(tree.has(path), `${model.id}: ${path}`).toBe(true);
      if (model.pricing) expect(Math.min(model.pricing.inputPerMillion, model.pricing.outputPerMillion, model.pricing.perRequest ?? 0)).toBeGreaterThanOrEqual(0);
      if (model.capabilities.includes("generation.text-generation.chat-completion")) {
        expect(model.contextWindow, model.id).toBeGreaterThan(0);
        expect(typeof model.features?.toolCalling, model.id).toBe("boolean");
        expect(typeof model.features?.assistantPrefill, model.id).toBe("boolean");
      }
    }
  });

  it("ids and aliases are unique and all register in one registry", () => {
    const registry = new ConnectorRegistry({ connectors: [...connectors] });
    expect(registry.resolve("groq").id).toBe("groq.api.v1");
    expect(registry.resolve("openai").id).toBe("openai.llm.v1");
    expect(registry.resolve("grok").id).toBe("xai.grok.v1");
    expect(new Set(ALL.flatMap((preset) => preset.aliases)).size).toBe(ALL.flatMap((preset) => preset.aliases).length);
    for (const descriptor of connectors) expect(descriptor).toMatchObject({ type: "provider", specificationVersion: "v1", runtime: "universal" });
  });

  it("base URLs include the vendor's version prefix", () => {
    expect(findPreset("groq")?.baseUrl).toBe("https://api.groq.com/openai/v1");
    expect(findPreset("openrouter")?.baseUrl).toBe("https://openrouter.ai/api/v1");
    expect(findPreset("ollama")?.baseUrl).toBe("http://localhost:11434/v1");
    expect(findPreset("fireworks.api.v1")?.baseUrl).toBe("https://api.fireworks.ai/inference/v1");
    expect(findPreset("openai")?.baseUrl).toBe("https://api.openai.com/v1");
    expect(findPreset("nope")).toBeUndefined();
  });
});

describe("config resolution", () => {
  it("a hosted vendor without a key fails at start-up naming the key and its variable", () => {
    let error: unknown;
    try {
      connectors[1]!.create({}, context());
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: "config.api_key", message: expect.stringContaining("GROQ_API_KEY") });
  });

  it("invalid blocks fail with the paths, never the values", () => {
    let error: unknown;
    try {
      connector.create({ base_url: "not a url", api_key: 42 } as never, context());
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(["config.base_url", "config.api_key"]));
    expect(JSON.stringify((error as ConfigError).issues)).not.toContain("not a url");
  });

  it("the key comes from the config, else the context's env; the transport and clock from the context", async () => {
    const seen: Array<{ url: string; auth: string | undefined }> = [];
    const mock = await startMockProvider({ models: [{ id: "llama-3.3-70b-versatile" }], apiKey: "gsk_env_key_0123" });
    try {
      const fetchTransport = createFetchTransport();
      const transport: Transport = (request) => {
        seen.push({ url: request.url, auth: request.headers.authorization });
        return fetchTransport(request);
      };
      const groq = connectors.find((descriptor) => descriptor.id === "groq.api.v1")!;
      const provider = await groq.create({ base_url: mock.url }, context({ GROQ_API_KEY: "gsk_env_key_0123" }, { transport, instanceId: "my-groq" }));
      expect(provider).toMatchObject({ id: "my-groq", connectorId: "groq.api.v1" });
      const answer = await provider.complete({ model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "ping" }] });
      expect(answer.choices[0]!.message.content).toBe("echo: ping");
      expect(seen).toEqual([{ url: `${mock.url}/chat/completions`, auth: "Bearer gsk_env_key_0123" }]);
      await provider.close();
    } finally {
      await mock.close();
    }
  });

  it("an explicit empty api_key sends no Authorization header (keyless proxy)", async () => {
    const mock = await startMockProvider({ models: [{ id: "gpt-4o-mini" }] });
    try {
      const provider = await connector.create({ base_url: mock.url, api_key: "" }, context({ OPENAI_API_KEY: "sk-ambient" }));
      await provider.complete({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
      expect(mock.calls[0]!.headers.authorization).toBeUndefined();
    } finally {
      await mock.close();
    }
  });

  it("a local server needs no key; its host variable replaces the base URL", async () => {
    const mock = await startMockProvider({ models: [{ id: "llama3.2" }] });
    try {
      const ollama = createPresetProvider(findPreset("ollama")!, {}, { env: { OLLAMA_HOST: `127.0.0.1:${mock.port}` } });
      const answer = await ollama.complete({ model: "llama3.2", messages: [{ role: "user", content: "local" }] });
      expect(answer.choices[0]!.message.content).toBe("echo: local");
      expect(mock.calls[0]).toMatchObject({ path: "/v1/chat/completions" });
      expect(mock.calls[0]!.headers.authorization).toBeUndefined();
    } finally {
      await mock.close();
    }
  });

  it.each([
    ["127.0.0.1:11434", "http://localhost:11434/v1", "http://127.0.0.1:11434/v1"],
    ["0.0.0.0", "http://localhost:11434/v1", "http://0.0.0.0:11434/v1"],
    ["http://gpu-box:8000", "http://localhost:8000/v1", "http://gpu-box:8000/v1"],
    ["https://llm.example.com/proxy/v1/", "http://localhost:8000/v1", "https://llm.example.com/proxy/v1"],
    ["http://box:80", "http://localhost:1234/v1", "http://box/v1"],
    ["[::1]:1234", "http://localhost:1234/v1", "http://[::1]:1234/v1"],
    ["", "http://localhost:1234/v1", undefined],
  ])("hostToBaseUrl(%j)", (host, base, expected) => {
    expect(hostToBaseUrl(host, base)).toBe(expected);
  });
});

describe("a fake preset, added as one data entry, routes through a mesh", () => {
  let mock: MockProvider;
  beforeAll(async () => {
    mock = await startMockProvider({ models: [{ id: "acme-chat-1", contextWindow: 32_768 }], apiKey: "acme-key-0123456789" });
  });
  afterAll(() => mock.close());

  it("createMesh builds it from YAML-shaped config and the router calls it", async () => {
    const registry = new ConnectorRegistry({ connectors: [presetConnector(fakePreset)] });
    const mesh = await createMesh(
      { providers: { acme: { connector: "acme", config: { base_url: mock.url, api_key: "${env:ACME_API_KEY}" } } } },
      { registry, env: { ACME_API_KEY: "acme-key-0123456789" } },
    );
    try {
      const tools = [{ type: "function" as const, function: { name: "noop", parameters: { type: "object" } } }];
      const routed = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "through the mesh" }], tools, parallel_tool_calls: false });
      expect(routed.value.choices[0]!.message).toBeDefined();
      const call = mock.calls.at(-1)!;
      expect(call).toMatchObject({ path: "/v1/chat/completions", model: "acme-chat-1" });
      // The preset's quirk removed the field its vendor rejects; everything else passed through.
      expect(call.body).not.toHaveProperty("parallel_tool_calls");
      expect(call.body).toMatchObject({ tools });
      const stream = await mesh.router.chatStream({ model: "chat-completion", messages: [{ role: "user", content: "streamed" }] });
      let text = "";
      for await (const chunk of stream.value) text += chunk.choices[0]?.delta?.content ?? "";
      expect(text).toBe("echo: streamed");
    } finally {
      await mesh.close();
    }
  });
});
