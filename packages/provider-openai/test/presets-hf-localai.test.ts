import { ConfigError, ConnectorRegistry, createMesh, systemClock, type ConnectorContext, type Mesh } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterEach, describe, expect, it } from "vitest";
import { connectors, findPreset } from "../src/index.js";

/** The Hugging Face router and LocalAI presets: defaults, key and host variables, request paths, a mesh each. */

const HF_TOKEN = "hf_test_token_0123456789abcdef";
const LOCALAI_KEY = "localai-server-key-0123456789";
const context = (env: Record<string, string | undefined> = {}): ConnectorContext => ({ instanceId: "p", clock: systemClock, env, runtime: "node" });
const descriptor = (idOrAlias: string) => new ConnectorRegistry({ connectors: [...connectors] }).resolve(idOrAlias) as (typeof connectors)[number];

const open: Array<MockProvider | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function mock(options: Parameters<typeof startMockProvider>[0]): Promise<MockProvider> {
  const started = await startMockProvider(options);
  open.push(started);
  return started;
}

describe("huggingface.router.v1", () => {
  it("defaults: the router's /v1 base URL, HF_TOKEN, Hub model ids without prices", () => {
    const preset = findPreset("hf")!;
    expect(preset).toBe(findPreset("huggingface"));
    expect(preset).toMatchObject({ id: "huggingface.router.v1", baseUrl: "https://router.huggingface.co/v1", envVar: "HF_TOKEN" });
    expect(preset.local).toBeUndefined();
    expect(preset.models.map((model) => model.id)).toEqual(["meta-llama/Llama-3.3-70B-Instruct", "deepseek-ai/DeepSeek-V3-0324", "Qwen/Qwen2.5-72B-Instruct"]);
    for (const model of preset.models) expect(model.pricing, model.id).toBeUndefined();
  });

  it("without a token it fails at start-up naming HF_TOKEN", () => {
    let error: unknown;
    try {
      descriptor("hf").create({}, context());
    } catch (caught) {
      error = caught;
    }
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: "config.api_key", message: expect.stringContaining("HF_TOKEN") });
  });

  it("sends HF_TOKEN as a bearer token to /v1/chat/completions; a :provider suffix passes through untouched", async () => {
    const upstream = await mock({ models: [{ id: "deepseek-ai/DeepSeek-V3-0324:fireworks-ai" }], apiKey: HF_TOKEN });
    const provider = await descriptor("huggingface").create({ base_url: upstream.url }, context({ HF_TOKEN }));
    const answer = await provider.complete({ model: "deepseek-ai/DeepSeek-V3-0324:fireworks-ai", messages: [{ role: "user", content: "hub" }] });
    expect(answer.choices[0]!.message.content).toBe("echo: hub");
    expect(upstream.calls[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", model: "deepseek-ai/DeepSeek-V3-0324:fireworks-ai" });
    expect(upstream.calls[0]!.body).toMatchObject({ model: "deepseek-ai/DeepSeek-V3-0324:fireworks-ai" });
    await provider.close();
  });

  it("routes through a mesh built from YAML with the token from the environment", async () => {
    const upstream = await mock({ models: [{ id: "meta-llama/Llama-3.3-70B-Instruct" }], apiKey: HF_TOKEN });
    const mesh = await createMesh(
      `
providers:
  hub:
    connector: hf
    config:
      base_url: ${upstream.url}
      models:
        - { id: meta-llama/Llama-3.3-70B-Instruct, capabilities: [generation.text-generation.chat-completion], context_window: 131072 }
`,
      { registry: new ConnectorRegistry({ connectors: [...connectors] }), env: { HF_TOKEN } },
    );
    open.push(mesh);
    const { value, trace } = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "via the router" }] });
    expect(value.choices[0]!.message.content).toBe("echo: via the router");
    expect(trace.final?.providerId).toBe("hub");
    expect(upstream.calls.at(-1)).toMatchObject({ path: "/v1/chat/completions", model: "meta-llama/Llama-3.3-70B-Instruct" });
  });
});

describe("localai.local.v1", () => {
  it("defaults: 127.0.0.1:8080/v1, LOCALAI_HOST, an optional LOCALAI_API_KEY, chat and embeddings", () => {
    const preset = findPreset("localai")!;
    expect(preset).toMatchObject({ id: "localai.local.v1", baseUrl: "http://127.0.0.1:8080/v1", envVar: "LOCALAI_HOST", keyEnvVar: "LOCALAI_API_KEY", local: true });
    expect(preset.models.flatMap((model) => model.capabilities)).toEqual(["generation.text-generation.chat-completion", "representation.embeddings.text-embeddings"]);
  });

  it("needs no key: LOCALAI_HOST replaces the base URL, chat and embeddings go to /v1/…, no Authorization", async () => {
    const upstream = await mock({ models: [{ id: "gpt-4" }, { id: "text-embedding-ada-002" }] });
    const provider = await descriptor("localai").create({}, context({ LOCALAI_HOST: `127.0.0.1:${upstream.port}` }));
    const answer = await provider.complete({ model: "gpt-4", messages: [{ role: "user", content: "local" }] });
    expect(answer.choices[0]!.message.content).toBe("echo: local");
    const vectors = await provider.embed!({ model: "text-embedding-ada-002", input: ["a", "b"] });
    expect(vectors.data).toHaveLength(2);
    expect(upstream.calls.map((call) => call.path)).toEqual(["/v1/chat/completions", "/v1/embeddings"]);
    for (const call of upstream.calls) expect(call.headers.authorization).toBeUndefined();
    await provider.close();
  });

  it("a server started with a key: LOCALAI_API_KEY is sent as a bearer token; api_key in the config wins", async () => {
    const upstream = await mock({ models: [{ id: "gpt-4" }], apiKey: LOCALAI_KEY });
    const env = { LOCALAI_HOST: `http://127.0.0.1:${upstream.port}`, LOCALAI_API_KEY: LOCALAI_KEY };
    const fromEnv = await descriptor("localai").create({}, context(env));
    await fromEnv.complete({ model: "gpt-4", messages: [{ role: "user", content: "k" }] });
    expect(upstream.calls.at(-1)!.headers.authorization).toBe("Bearer ***");
    await fromEnv.close();
    const wrong = await descriptor("localai").create({ api_key: "another-key-0123456789" }, context(env));
    const error = await wrong.complete({ model: "gpt-4", messages: [{ role: "user", content: "k" }] }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: "MM_AUTH", status: 401 });
    await wrong.close();
    // An empty LOCALAI_API_KEY counts as unset: no Authorization header at all.
    const blank = await descriptor("localai").create({}, context({ ...env, LOCALAI_API_KEY: "" }));
    await blank.complete({ model: "gpt-4", messages: [{ role: "user", content: "k" }] }).catch(() => undefined);
    expect(upstream.calls.at(-1)!.headers.authorization).toBeUndefined();
    await blank.close();
  });

  it("routes chat and embeddings through a mesh built from YAML", async () => {
    const upstream = await mock({ models: [{ id: "gpt-4" }, { id: "text-embedding-ada-002" }] });
    const mesh = await createMesh(`providers:\n  local:\n    connector: localai\n`, {
      registry: new ConnectorRegistry({ connectors: [...connectors] }),
      env: { LOCALAI_HOST: `127.0.0.1:${upstream.port}` },
    });
    open.push(mesh);
    const chat = await mesh.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "mesh local" }] });
    expect(chat.value.choices[0]!.message.content).toBe("echo: mesh local");
    const embedded = await mesh.router.embed({ model: "text-embeddings", input: "vector me" });
    expect(embedded.value.data).toHaveLength(1);
    expect(upstream.calls.map((call) => [call.path, call.model])).toEqual([
      ["/v1/chat/completions", "gpt-4"],
      ["/v1/embeddings", "text-embedding-ada-002"],
    ]);
  });
});
