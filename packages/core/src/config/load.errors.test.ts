import { describe, expect, it } from "vitest";
import { ConfigError, type ConfigIssue } from "../errors/errors.js";
import { fakeTree } from "./__fixtures__/fake-tree.js";
import { loadConfig, parseConfigObject } from "./load.js";

async function issuesOf(text: string): Promise<ConfigIssue[]> {
  try {
    await loadConfig(text, { file: "mesh.yaml", env: {}, tree: fakeTree() });
  } catch (error) {
    expect(ConfigError.is(error)).toBe(true);
    const configError = error as ConfigError;
    expect(configError.code).toBe("MM_CONFIG_INVALID");
    expect(configError.file).toBe("mesh.yaml");
    return configError.issues;
  }
  throw new Error("expected the config to be rejected");
}

/** Each case: YAML text, expected path, expected line (1-based), a fragment of the message. */
const CASES: Array<[string, string, string, number, string]> = [
  [
    "base_url of the wrong type",
    "providers:\n  my-proxy:\n    connector: openai-compatible\n    config:\n      base_url: 42\n",
    "providers.my-proxy.config.base_url",
    5,
    "expected a URL",
  ],
  ["base_url not a URL", "providers:\n  p:\n    config:\n      base_url: not a url\n", "providers.p.config.base_url", 4, "expected a URL"],
  ["unknown top-level section", "providers: {}\nbogus:\n  x: 1\n", "bogus", 2, "unknown top-level section; known sections: secrets, providers"],
  [
    "connector setting at the provider entry",
    "providers:\n  openai:\n    api_key: sk-x\n",
    "providers.openai.api_key",
    3,
    "unknown key; connector settings (base_url, api_key, …) go under providers.openai.config",
  ],
  ["unknown pool key", "pools:\n  p:\n    models: []\n    colour: blue\n", "pools.p.colour", 4, "unknown key"],
  [
    "error_rate_threshold above 1",
    "pools:\n  p:\n    models: []\n    deactivation:\n      error_rate_threshold: 1.5\n",
    "pools.p.deactivation.error_rate_threshold",
    5,
    "must be ≤ 1",
  ],
  ["negative budget", "providers:\n  openai:\n    budget:\n      daily_limit: -5\n", "providers.openai.budget.daily_limit", 4, "must be ≥ 0"],
  ["bad duration", "pools:\n  p:\n    models: []\n    recovery:\n      cooldown: 10 minutes\n", "pools.p.recovery.cooldown", 5, "expected a duration"],
  ["bad time zone", "providers:\n  groq:\n    quota:\n      time_zone: Mars/Phobos\n", "providers.groq.quota.time_zone", 4, "IANA time zone"],
  ["bad reset_time", "providers:\n  groq:\n    quota: { reset_time: '24:00' }\n", "providers.groq.quota.reset_time", 3, "HH:MM"],
  ["unknown provider of a model", "providers:\n  openai: {}\nmodels:\n  x:\n    provider: nope\n", "models.x.provider", 5, 'unknown provider "nope"; configured providers: openai'],
  [
    "unknown pool model",
    "providers:\n  a: {}\nmodels:\n  a.m: { provider: a }\npools:\n  p:\n    models:\n      - a.m\n      - a.ghost\n",
    "pools.p.models.1",
    9,
    'unknown model "a.ghost"',
  ],
  [
    "model capability not a leaf",
    "providers:\n  a: {}\nmodels:\n  m:\n    provider: a\n    capabilities:\n      - generation.text-generation\n",
    "models.m.capabilities.0",
    7,
    'capability "generation.text-generation" is not a leaf',
  ],
  ["unknown pool capability", "pools:\n  p:\n    capability: no-such-node\n", "pools.p.capability", 3, 'unknown capability "no-such-node"'],
  [
    "misspelt pool capability",
    "pools:\n  p:\n    capability: chat-complection\n",
    "pools.p.capability",
    3,
    'unknown capability "chat-complection"; did you mean generation.text-generation.chat-completion?',
  ],
  [
    "ambiguous model capability alias",
    "providers:\n  a: {}\nmodels:\n  a.m: { provider: a, capabilities: [translation] }\n",
    "models.a.m.capabilities.0",
    4,
    'capability "translation" is ambiguous: it names transformation.translation, understanding.translation; use the full path',
  ],
  ["periodic storage without sync_interval", "storage:\n  connector: modelmesh.local-file.v1\n  sync_policy: periodic\n", "storage.sync_interval", 1, "required when sync_policy is periodic"],
  ["port out of range", "proxy:\n  host: 0.0.0.0\n  port: 70000\n", "proxy.port", 3, "must be ≤ 65535"],
  [
    "both capability and hierarchy_node",
    "pools:\n  p:\n    capability: chat-completion\n    hierarchy_node: chat-completion\n",
    "pools.p.hierarchy_node",
    4,
    "pools.p.capability and pools.p.hierarchy_node are the same setting",
  ],
  ["YAML syntax error", "proxy:\n  host: a\n  port: 1: 2\n", "", 3, "YAML syntax error: Nested mappings are not allowed"],
  ["YAML indentation error", "providers:\n  a:\n    connector: x\n   bad: y\n", "", 4, "YAML syntax error: All mapping items must start at the same column"],
  ["duplicate YAML key", "proxy:\n  port: 1\n  port: 2\n", "", 3, "YAML syntax error"],
  ["bad maintenance window", "pools:\n  p:\n    models: []\n    deactivation: { maintenance_window: '0 25 * * *' }\n", "pools.p.deactivation.maintenance_window", 4, "cron"],
  ["bad enum", "providers:\n  a:\n    auth: { method: password }\n", "providers.a.auth.method", 3, "expected one of: api_key, oauth, service_account"],
  ["invalid provider name", "providers:\n  OpenAI: {}\n", "providers.OpenAI", 2, "invalid name: ids use lowercase letters"],
  ["empty capability list", "providers:\n  a: {}\nmodels:\n  a.m:\n    provider: a\n    capabilities: []\n", "models.a.m.capabilities", 6, "at least one capability"],
  [
    "model listed inline and in models",
    "providers:\n  my-proxy:\n    config:\n      models:\n        - id: gpt-4o\nmodels:\n  my-proxy.gpt-4o:\n    provider: my-proxy\n",
    "models.my-proxy.gpt-4o",
    7,
    'model "gpt-4o" is also listed under providers.my-proxy',
  ],
  [
    "inline model capability unknown (reported where it was written)",
    "providers:\n  my-proxy:\n    config:\n      models:\n        - id: gpt-4o\n          capabilities: [chatting]\n",
    "providers.my-proxy.config.models.0.capabilities.0",
    6,
    'unknown capability "chatting"',
  ],
  [
    "synonym with an unknown provider (reported at the synonym)",
    "providers:\n  a: {}\npools:\n  p:\n    capability: chat-completion\n    allowed_providers: [a, zed]\n",
    "pools.p.allowed_providers.1",
    6,
    'unknown provider "zed"',
  ],
  [
    "storage sync_policy given flat and nested",
    "storage:\n  sync_policy: immediate\n  persistence:\n    sync_policy: periodic\n    sync_interval: 5m\n",
    "storage.persistence.sync_policy",
    4,
    "storage.sync_policy and storage.persistence.sync_policy are the same setting",
  ],
  ["proxy auth without tokens", "proxy:\n  auth:\n    method: bearer\n    tokens: []\n", "proxy.auth.tokens", 4, "at least one token"],
  ["pool with nothing to target", "pools:\n  my-pool:\n    strategy: modelmesh.round-robin.v1\n", "pools.my-pool", 2, "pool has no capability and no models"],
];

describe("malformed configs", () => {
  it.each(CASES)("rejects %s", async (_label, text, path, line, message) => {
    const issues = await issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    expect(issues[0]!.line).toBe(line);
    expect(typeof issues[0]!.column).toBe("number");
    expect(issues[0]!.message).toContain(message);
  });

  it("collects every problem into one error, in document order", async () => {
    const issues = await issuesOf(
      "proxy:\n  port: 0\nproviders:\n  a:\n    budget: { monthly_limit: -1 }\n    config:\n      base_url: 7\npools:\n  p:\n    models: []\n    retry: { backoff: linear }\n",
    );
    expect(issues.map((issue) => [issue.path, issue.line])).toEqual([
      ["proxy.port", 2],
      ["providers.a.budget.monthly_limit", 5],
      ["providers.a.config.base_url", 7],
      ["pools.p.retry.backoff", 11],
    ]);
  });

  it("names the file and every path in the error message", async () => {
    const error: unknown = await loadConfig("proxy:\n  port: 70000\n", { file: "mesh.yaml" }).catch((e: unknown) => e);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).message).toBe("[modelmesh] [mesh.yaml] proxy.port: must be ≤ 65535 (line 2:3)");
  });

  it("rejects object sources without line numbers", () => {
    try {
      parseConfigObject({ models: { x: { provider: "ghost" } }, pools: { p: { models: ["y"] } } });
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.is(error)).toBe(true);
      expect((error as ConfigError).issues).toEqual([
        { path: "models.x.provider", message: 'unknown provider "ghost"; configured providers: (none)' },
        { path: "pools.p.models.0", message: 'unknown model "y"; define it under models or list it under its provider' },
      ]);
    }
  });

  it("rejects a document that is not a mapping", async () => {
    await expect(loadConfig("- a\n- b\n")).rejects.toMatchObject({
      issues: [{ path: "", message: "expected a mapping of config sections at the top level", line: 1, column: 1 }],
    });
  });
});
