import { ConfigError } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { checkProviderConfig, providerConfigFromYaml, providerConfigSchema } from "../../src/index.js";
import { zodIssues } from "../../src/providers/provider-config-schema.js";

/**
 * `providerConfigFromYaml` checks the YAML block by hand (so the provider classes never load zod); the zod
 * `providerConfigSchema` of the connector descriptors stays the reference. These cases keep the two in step:
 * same blocks accepted, same paths named for the ones rejected.
 */

const model = { id: "m", capabilities: ["generation.text-generation.chat-completion"] };

const VALID: Record<string, unknown>[] = [
  { base_url: "https://api.example.test/v1" },
  { base_url: "  https://api.example.test/v1\n", api_key: "", auth: { method: "api_key", api_key: "k", extra: 1 }, x_vendor: { deep: true } },
  { base_url: "http://127.0.0.1:8080/v1", models: [model, { id: "n", context_window: 8, max_output_tokens: 4, features: { tool_calling: true }, delivery: { streaming: true }, pricing: { input_per_million: 0, output_per_million: 1.5, per_request: 0 }, extra: "kept" }] },
  { base_url: "https://x.test/v1", capabilities: [], timeout: 0, headers: {}, organization: "o", project: "p", proxy_url: "http://p", stream_usage: false },
  { base_url: "https://x.test/v1", timeout: "1m30s" },
];

const INVALID: unknown[] = [
  null,
  [],
  "https://x.test/v1",
  {},
  { base_url: "not a url", api_key: 42, models: [{ capabilities: [] }] },
  { base_url: "https://x.test/v1", auth: { method: "password", api_key: 1 } },
  { base_url: "https://x.test/v1", auth: "k" },
  { base_url: "https://x.test/v1", models: "gpt-4o" },
  { base_url: "https://x.test/v1", models: [null, { id: "" }, { id: "a", context_window: 1.5, max_output_tokens: 0 }] },
  { base_url: "https://x.test/v1", models: [{ id: "a", capabilities: "chat", features: { a: "yes" }, delivery: [], pricing: {} }] },
  { base_url: "https://x.test/v1", models: [{ id: "a", pricing: { input_per_million: -1, output_per_million: "1", per_request: null } }] },
  { base_url: "https://x.test/v1", models: [{ id: "a", pricing: "free" }] },
  { base_url: "https://x.test/v1", capabilities: ["a", 2] },
  { base_url: "https://x.test/v1", timeout: -5 },
  { base_url: "https://x.test/v1", timeout: true },
  { base_url: "https://x.test/v1", headers: { a: 1 }, organization: 1, project: null, proxy_url: 3, stream_usage: "no" },
  { base_url: 5 },
];

function issuesOf(run: () => unknown): ConfigError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(ConfigError.is(error)).toBe(true);
    return error as ConfigError;
  }
}

describe("providerConfigFromYaml (hand-written) against providerConfigSchema (zod)", () => {
  it.each(VALID.map((block) => [JSON.stringify(block), block]))("both accept %s", (_, block) => {
    expect(providerConfigSchema.safeParse(block).success).toBe(true);
    expect(() => providerConfigFromYaml(block)).not.toThrow();
  });

  it.each(INVALID.map((block) => [JSON.stringify(block), block]))("both reject %s, naming the same paths", (_, block) => {
    const parsed = providerConfigSchema.safeParse(block);
    expect(parsed.success).toBe(false);
    const expected = new Set(zodIssues(parsed.error!, "config").map((issue) => issue.path));
    const error = issuesOf(() => providerConfigFromYaml(block));
    expect(error).toBeDefined();
    expect(new Set(error!.issues.map((issue) => issue.path))).toEqual(expected);
  });

  it("maps a full block as the zod-based mapper did (camelCase, trimmed URL, unknown keys passed on)", () => {
    const config = providerConfigFromYaml({
      base_url: " https://api.example.test/v1 ",
      api_key: "outer",
      auth: { api_key: "inner" },
      models: [{ id: "n", name: "N", capabilities: ["c"], context_window: 8, max_output_tokens: 4, features: { tool_calling: true }, delivery: { streaming: true }, pricing: { input_per_million: 1, output_per_million: 2, per_request: 0.5 } }],
      capabilities: ["c"],
      timeout: "30s",
      headers: { "x-a": "1" },
      stream_usage: false,
      organization: "org",
      proxy_url: "http://proxy",
      vendor_flag: { keep_me: 1 },
    });
    expect(config).toEqual({
      baseUrl: "https://api.example.test/v1",
      apiKey: "inner",
      models: [{ id: "n", name: "N", capabilities: ["c"], contextWindow: 8, maxOutputTokens: 4, features: { toolCalling: true }, delivery: { streaming: true }, pricing: { inputPerMillion: 1, outputPerMillion: 2, perRequest: 0.5 } }],
      capabilities: ["c"],
      timeoutMs: 30_000,
      headers: { "x-a": "1" },
      streamUsage: false,
      organization: "org",
      proxyUrl: "http://proxy",
      vendorFlag: { keep_me: 1 },
    });
  });

  it("names the paths under the given prefix and never echoes a value", () => {
    const secret = "sk-secret-value-0123456789";
    const error = issuesOf(() => providerConfigFromYaml({ base_url: secret, api_key: 7 }, "providers.p.config"));
    expect(error!.issues.map((issue) => issue.path).sort()).toEqual(["providers.p.config.api_key", "providers.p.config.base_url"]);
    expect(error!.message).not.toContain(secret);
  });

  it("rejects a duration it cannot read", () => {
    expect(issuesOf(() => providerConfigFromYaml({ base_url: "https://x.test/v1", timeout: "soon" }))!.issues).toEqual([{ path: "config.timeout", message: "expected a duration such as 30s or 2m" }]);
  });
});

describe("checkProviderConfig (typed camelCase config)", () => {
  it("accepts a typed config, and a missing baseUrl when the class defaults it", () => {
    expect(() => checkProviderConfig({ baseUrl: "https://x.test/v1", apiKey: "k", models: [{ id: "m", capabilities: [] }], headers: { a: "b" }, timeoutMs: 0, streamUsage: true, transport: async () => ({}) })).not.toThrow();
    expect(() => checkProviderConfig({ apiKey: "k" }, { baseUrlOptional: true })).not.toThrow();
  });

  it("names every invalid path at once", () => {
    const error = issuesOf(() =>
      checkProviderConfig({ baseUrl: "nope", apiKey: 1, id: 2, models: [{ id: 3 }, "m"], capabilities: "c", headers: { a: 1 }, timeoutMs: "5s", streamUsage: 1, transport: "fetch" }),
    );
    expect(error!.issues.map((issue) => issue.path).sort()).toEqual(
      ["config.apiKey", "config.baseUrl", "config.capabilities", "config.headers.a", "config.id", "config.models.0.capabilities", "config.models.0.id", "config.models.1", "config.streamUsage", "config.timeoutMs", "config.transport"].sort(),
    );
    expect(issuesOf(() => checkProviderConfig({}))!.issues).toEqual([{ path: "config.baseUrl", message: "Invalid input: expected string, received undefined" }]);
  });
});
