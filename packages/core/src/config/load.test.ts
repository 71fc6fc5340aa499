import { describe, expect, it } from "vitest";
import { COMPLETE_EXAMPLE_YAML, SEED_YAML, SEED_YAML_PROVIDER_MODELS } from "./__fixtures__/examples.js";
import { fakeTree } from "./__fixtures__/fake-tree.js";
import { loadConfig, parseConfigObject } from "./load.js";
import { defineConfig, meshConfigSchema } from "./schema.js";

const secrets: Record<string, string> = { "proxy-key": "sk-proxy", OPENAI_API_KEY: "sk-openai", PROXY_TOKEN: "tok-proxy" };
const resolveSecret = async (name: string) => secrets[name];

describe("the zero-code provider config", () => {
  it.each([
    ["models under config", SEED_YAML],
    ["models at the provider entry", SEED_YAML_PROVIDER_MODELS],
  ])("loads with %s and lifts the model", async (_label, text) => {
    const config = await loadConfig(text, { file: "modelmesh.yaml", resolveSecret, tree: fakeTree() });
    const provider = config.providers["my-openai-proxy"]!;
    expect(provider.connector).toBe("openai-compatible");
    expect(provider.enabled).toBe(true);
    expect(provider.config).toEqual({
      base_url: "https://my-proxy.internal/v1",
      auth: { method: "api_key", api_key: "sk-proxy" },
    });
    expect(Object.keys(config.models)).toEqual(["my-openai-proxy.gpt-4o"]);
    expect(config.models["my-openai-proxy.gpt-4o"]).toEqual({
      provider: "my-openai-proxy",
      model: "gpt-4o",
      capabilities: ["generation.text-generation.chat-completion"],
      constraints: { context_window: 128000 },
      enabled: true,
    });
  });
});

describe("the complete example (every section)", () => {
  it("loads with env and secrets injected", async () => {
    const config = await loadConfig(COMPLETE_EXAMPLE_YAML, {
      env: { GROQ_API_KEY: "gsk-groq" },
      resolveSecret,
      tree: fakeTree(),
    });
    expect(config.secrets).toEqual({ store: "modelmesh.dotenv.v1", path: "./.env" });
    expect(config.providers.openai).toMatchObject({
      connector: "openai.llm.v1",
      config: { api_key: "sk-openai" },
      budget: { daily_limit: 5, monthly_limit: 50 },
      discovery: { enumerate_models: true, model_details: false, capability_query: false },
    });
    expect(config.providers.groq!.config.api_key).toBe("gsk-groq");
    expect(config.providers.groq!.quota).toEqual({
      reset_schedule: "daily",
      reset_time: "00:00",
      time_zone: "UTC",
      query_current: false,
      query_remaining: false,
    });
    expect(config.providers.local!.config.base_url).toBe("http://127.0.0.1:11434/v1");
    expect(config.models["local.llama3"]).toMatchObject({
      provider: "local",
      model: "llama3",
      delivery: { synchronous: true, streaming: true, batch: false },
      constraints: { context_window: 8192, max_output_tokens: 2048 },
    });

    const textGeneration = config.pools["text-generation"]!;
    expect(textGeneration.capability).toBe("generation.text-generation");
    expect(textGeneration.strategy).toBe("modelmesh.cost-first.v1");
    expect(textGeneration.deactivation).toEqual({
      connector: "modelmesh.threshold-deactivation.v1",
      retry_limit: 3,
      error_codes: [429, 500, 503],
      request_limit: 14000,
      quota_window: "daily",
      error_rate_window: 20,
      error_rate_min_samples: 5,
    });
    expect(textGeneration.recovery).toMatchObject({ cooldown: 60_000, probe_interval: 300_000, on_quota_reset: true, quota_reset_schedule: "daily_utc" });
    expect(textGeneration.retry).toMatchObject({ max_attempts: 2, max_total_attempts: 6, initial_delay: 500, max_delay: 10_000, scope: "same_model" });
    expect(textGeneration.provider_deactivation).toBe("on_auth_failure");
    expect(config.pools["code-review"]).toMatchObject({
      capability: "generation.text-generation.code-generation",
      model_priority: ["openai.gpt-4o", "local.llama3"],
      fallback_strategy: "modelmesh.cost-first.v1",
    });

    expect(config.storage).toEqual({ connector: "modelmesh.local-file.v1", path: "./mesh-state.json", sync_policy: "sync-on-boundary" });
    expect(config.observability.logging).toEqual({ connector: "modelmesh.local-file.v1", level: "metadata", path: "./requests.jsonl", redact: true });
    expect(config.observability.statistics).toMatchObject({ path: "./stats.json", flush_interval: 60_000 });
    expect(config.discovery.sync).toMatchObject({ enabled: true, interval: 3_600_000, auto_register: true });
    expect(config.discovery.health).toMatchObject({ enabled: true, interval: 60_000, timeout: 10_000, failure_threshold: 3 });
    expect(config.proxy).toEqual({
      host: "127.0.0.1",
      port: 8080,
      endpoints: ["/v1/chat/completions", "/v1/embeddings"],
      auth: { method: "bearer", enabled: true, tokens: [{ token: "tok-proxy" }] },
      limits: { max_body_size: 10 * 1024 * 1024 },
    });
  });

  it("loads the same document given as JSON text and as an object", async () => {
    const fromYaml = await loadConfig(COMPLETE_EXAMPLE_YAML, { env: { GROQ_API_KEY: "g" }, resolveSecret });
    const asObject = meshConfigSchema.parse(fromYaml);
    const fromJson = await loadConfig(JSON.stringify({ providers: { local: { config: { base_url: "http://127.0.0.1:1/v1" } } } }));
    expect(asObject.models).toEqual(fromYaml.models);
    expect(fromJson.providers.local!.connector).toBe("local");
  });
});

describe("defaults and normalisation", () => {
  it("fills every section's defaults for an empty document", async () => {
    const config = await loadConfig("");
    expect(config.secrets).toEqual({ store: "modelmesh.env.v1" });
    expect(config.storage).toEqual({ connector: "modelmesh.memory.v1", sync_policy: "sync-on-boundary" });
    expect(config.proxy).toEqual({ host: "127.0.0.1", port: 8080, limits: { max_body_size: 10_485_760 } });
    expect(config.routing).toEqual({ deadline: 60_000, timeouts: { connect: 10_000, first_token: "auto", idle: 30_000 }, stream: { resume: false, commit: "first_token" } });
    expect(config.connectors).toEqual({ packages: [] });
    expect(config.observability).toEqual({});
  });

  it("treats empty YAML sections as absent and empty provider/pool entries as all-defaults", async () => {
    expect((await loadConfig("pools:\nmodels:\n")).pools).toEqual({});
    const config = await loadConfig("providers:\n  openai:\npools:\n  text-generation:\n", { tree: fakeTree() });
    expect(config.providers.openai).toEqual({ connector: "openai", enabled: true, config: {} });
    expect(config.pools["text-generation"]!.capability).toBe("generation.text-generation");
  });

  it("derives the vendor model id without splitting at the first dot", () => {
    const config = parseConfigObject({
      providers: { openai: {}, "my.proxy": {} },
      models: {
        "openai.gpt-4.1": { provider: "openai" },
        "gpt-4.1": { provider: "openai" },
        "vendor.model-x": { provider: "my.proxy" },
        "my.proxy.llama-3.1": { provider: "my.proxy" },
        alias: { provider: "openai", model: "gpt-4o-2024-08-06" },
      },
    });
    expect(Object.fromEntries(Object.entries(config.models).map(([id, m]) => [id, m.model]))).toEqual({
      "openai.gpt-4.1": "gpt-4.1",
      "gpt-4.1": "gpt-4.1",
      "vendor.model-x": "vendor.model-x",
      "my.proxy.llama-3.1": "llama-3.1",
      alias: "gpt-4o-2024-08-06",
    });
  });

  it("normalises synonyms, shorthands and the nested storage form", async () => {
    const config = await loadConfig(
      defineConfig({
        providers: { a: {}, b: {} },
        models: { "a.m": { provider: "a", max_output_tokens: 512, constraints: { context_window: 4096 } } },
        pools: { p: { hierarchy_node: "chat-completion", allowed_providers: ["a"], recovery: { cooldown: "1.5m" } } },
        storage: { connector: "modelmesh.local-file.v1", persistence: { sync_policy: "periodic", sync_interval: "5m" }, backup: true },
      }),
      { tree: fakeTree() },
    );
    const pool = config.pools.p!;
    expect(pool.capability).toBe("generation.text-generation.chat-completion");
    expect(pool.providers).toEqual(["a"]);
    expect(pool).not.toHaveProperty("hierarchy_node");
    expect(pool).not.toHaveProperty("allowed_providers");
    expect(pool.recovery.cooldown).toBe(90_000);
    expect(config.models["a.m"]!.constraints).toEqual({ context_window: 4096, max_output_tokens: 512 });
    expect(config.models["a.m"]).not.toHaveProperty("max_output_tokens");
    expect(config.storage).toEqual({ connector: "modelmesh.local-file.v1", sync_policy: "periodic", sync_interval: 300_000, backup: true });
  });

  it("resolves capability aliases with a tree and keeps them as written without one", () => {
    const input = { providers: { a: {} }, models: { "a.m": { provider: "a", capabilities: ["chat-completion", "text-embeddings"] } }, pools: { embeddings: {} } };
    const withTree = parseConfigObject(input, { tree: fakeTree() });
    expect(withTree.models["a.m"]!.capabilities).toEqual(["generation.text-generation.chat-completion", "representation.embeddings.text-embeddings"]);
    expect(withTree.pools.embeddings!.capability).toBe("representation.embeddings");
    const withoutTree = parseConfigObject(input);
    expect(withoutTree.models["a.m"]!.capabilities).toEqual(["chat-completion", "text-embeddings"]);
    expect(withoutTree.pools.embeddings!.capability).toBeUndefined();
  });

  it("passes connector-specific keys through and normalises proxy tokens", () => {
    const config = parseConfigObject({
      providers: { x: { config: { organization: "org-1", nested: { deep: [1, 2] } } } },
      observability: { routing: { connector: "modelmesh.webhook.v1", url: "https://hooks.example/x", timeout: "10s" } },
      discovery: { health: { enabled: true, probe_path: "/health" } },
      proxy: { auth: { tokens: ["t1", { token: "t2", pools: ["p"] }] }, cors: { origins: ["https://app.example"] } },
    });
    expect(config.providers.x!.config).toEqual({ organization: "org-1", nested: { deep: [1, 2] } });
    expect(config.observability.routing).toEqual({ connector: "modelmesh.webhook.v1", url: "https://hooks.example/x", timeout: "10s" });
    expect(config.discovery.health.probe_path).toBe("/health");
    expect(config.proxy.auth!.tokens).toEqual([{ token: "t1" }, { token: "t2", pools: ["p"] }]);
    expect(config.proxy.cors).toEqual({ enabled: true, origins: ["https://app.example"] });
  });
});
