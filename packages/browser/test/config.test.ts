/**
 * The browser build's config check (`normalizeBrowserConfig`): defaults from core, every problem at once with
 * its path, unsupported keys rejected by name, secrets never quoted. Runs in Node: the check is plain code.
 */
import { CapabilityTree, ConfigError, DEFAULT_POOL_ENTRY, DEFAULT_ROUTING } from "@modelmesh/core/runtime";
import { describe, expect, it } from "vitest";
import { normalizeBrowserConfig } from "../src/config.js";

const tree = CapabilityTree.createDefault();
const issuesOf = (config: unknown): Array<{ path: string; message: string }> => {
  try {
    normalizeBrowserConfig(config, tree);
  } catch (error) {
    expect(ConfigError.is(error)).toBe(true);
    return (error as ConfigError).issues;
  }
  throw new Error("expected a ConfigError");
};

describe("normalizeBrowserConfig", () => {
  it("fills the same defaults as the YAML schema and lifts provider models", () => {
    const n = normalizeBrowserConfig({ providers: { local: { base_url: "http://127.0.0.1:8000/v1", models: ["m1", { id: "m2", capabilities: ["text-embeddings"], context_window: 8192 }] } }, pools: { chat: { capability: "chat-completion" } } }, tree);
    expect(n.runtime.routing).toEqual(DEFAULT_ROUTING);
    expect(n.runtime.pools.chat).toEqual({ ...DEFAULT_POOL_ENTRY, capability: "generation.text-generation.chat-completion" });
    expect(n.runtime.models["local.m1"]).toMatchObject({ provider: "local", model: "m1", capabilities: ["generation.text-generation.chat-completion"] });
    expect(n.runtime.models["local.m2"]).toMatchObject({ capabilities: ["representation.embeddings.text-embeddings"], context_window: 8192 });
    expect(n.storage).toMatchObject({ connector: "memory", policy: "immediate" });
  });

  it("applies what is given: durations, pool settings, routing, storage", () => {
    const n = normalizeBrowserConfig(
      {
        providers: { a: { base_url: "https://a.example/v1", models: ["x"], timeouts: { connect: "2s", first_token: "auto" } } },
        pools: { chat: { models: ["a.x"], strategy: "stick-until-failure", deadline: "45s", recovery: { cooldown: "2m" }, retry: { max_attempts: 0, backoff: "fixed" }, deactivation: { retry_limit: 1 } } },
        routing: { deadline: 30_000, timeouts: { idle: "10s" }, stream: { commit: { chars: 40 } } },
        storage: { connector: "local-storage", sync_policy: "periodic", sync_interval: "5s", prefix: "app:" },
      },
      tree,
    );
    expect(n.runtime.pools.chat).toMatchObject({ strategy: "modelmesh.stick-until-failure.v1", deadline: 45_000, recovery: { cooldown: 120_000 }, retry: { max_attempts: 0, backoff: "fixed" }, deactivation: { retry_limit: 1 } });
    expect(n.runtime.routing).toMatchObject({ deadline: 30_000, timeouts: { idle: 10_000, connect: 10_000 }, stream: { commit: { chars: 40 } } });
    expect(n.runtime.providers.a).toMatchObject({ enabled: true, timeouts: { connect: 2000, first_token: "auto" } });
    expect(n.storage).toEqual({ connector: "local-storage", policy: "periodic", intervalMs: 5000, prefix: "app:", database: undefined });
  });

  it("reports every problem at once, with its path", () => {
    const paths = issuesOf({
      providers: { bad: { base_url: "ftp://x", models: "m" }, "no slash/": { base_url: "https://x.example" } },
      pools: { chat: { models: ["nobody.m"], strategy: "random", retry: { backoff: "sometimes" } }, empty: {} },
      routing: { deadline: "soon" },
      storage: "cookies",
    }).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(["providers.bad.base_url", "providers.bad.models", "providers.no slash/", "pools.chat.models.0", "pools.chat.strategy", "pools.chat.retry.backoff", "pools.empty", "routing.deadline", "storage"]),
    );
  });

  it("rejects keys the browser build does not run, naming why, and never ignores one", () => {
    const issues = issuesOf({ providers: { a: { base_url: "https://a.example/v1", models: ["x"], quota: { requests_per_day: 5 }, colour: "red" } }, secrets: { store: "env" }, observability: {}, models: {} });
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath.secrets).toMatch(/not part of the browser build/);
    expect(byPath.observability).toMatch(/client\.on/);
    expect(byPath.models).toMatch(/providers\.<id>\.models/);
    expect(byPath["providers.a.quota"]).toMatch(/not supported by the browser build/);
    expect(byPath["providers.a.colour"]).toMatch(/not a key the browser build knows/);
  });

  it("takes providers or a proxy, not both, and needs one of them", () => {
    expect(issuesOf({}).map((i) => i.path)).toEqual(["providers"]);
    expect(issuesOf({ proxy: { url: "https://mesh.example/v1" }, providers: { a: { base_url: "https://a.example/v1" } } }).map((i) => i.path)).toContain("providers");
    expect(normalizeBrowserConfig({ proxy: { url: ["https://a.example/v1", "https://b.example/v1"], token: "t" } }, tree).proxy).toEqual({ urls: ["https://a.example/v1", "https://b.example/v1"], token: "t" });
  });

  it("never quotes a key in an error", () => {
    const secret = "sk-live-0123456789abcdef0123456789abcdef";
    const issues = issuesOf({ providers: { a: { base_url: secret, api_key: secret, headers: { authorization: 42 } } } });
    expect(JSON.stringify(issues)).not.toContain(secret);
  });

  it("bounds what it reads: huge lists and long strings are refused without being walked", () => {
    const models = Array.from({ length: 5000 }, (_, i) => `m${i}`);
    expect(issuesOf({ providers: { a: { base_url: "https://a.example/v1", models } } }).map((i) => i.message).join()).toMatch(/at most 1000/);
    expect(issuesOf({ providers: { a: { base_url: `https://a.example/${"x".repeat(10_000)}`, models: ["m"] } } })[0]!.message).toMatch(/at most 4096/);
  });
});
