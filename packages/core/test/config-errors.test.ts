/**
 * Every configuration failure is a `ConfigError` (docs/errors.md, category `config`), whoever raises it, so
 * `ConfigError.is(e)` recognises it: the loader (syntax, schema, unknown keys, interpolation), the connector
 * registry, connector factories, the capability tree, state sync and quota clocks. Public API only.
 */
import { describe, expect, it } from "vitest";
import {
  CapabilityTree,
  ConfigError,
  ConnectorRegistry,
  MemoryStateStore,
  StateSync,
  createMesh,
  loadConfig,
  parseDuration,
  windowEnd,
  type StorageConnectorV1,
} from "../src/index.js";
import { testProviderConnector } from "./support/mesh.js";

async function rejection(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

async function meshFailure(config: string | Record<string, unknown>, env: Record<string, string> = {}): Promise<unknown> {
  const registry = new ConnectorRegistry({ connectors: [testProviderConnector] });
  return rejection(async () => {
    const mesh = await createMesh(config, { registry, env, file: "mesh.yaml" });
    await mesh.close();
  });
}

const provider = "providers:\n  p:\n    connector: test-fetch\n    config:\n      base_url: http://127.0.0.1:9/v1\n";

/** Each case: what is wrong, and how the failure is produced. */
const LOADER_CASES: Array<[string, () => Promise<unknown>, string]> = [
  ["a YAML syntax error", () => rejection(() => loadConfig("providers:\n  p: [unclosed\n", { env: {} })), "MM_CONFIG_INVALID"],
  ["a schema error", () => rejection(() => loadConfig("routing:\n  deadline: soon\n", { env: {} })), "MM_CONFIG_INVALID"],
  ["an unknown key", () => rejection(() => loadConfig("pools:\n  p:\n    models: []\n    colour: blue\n", { env: {} })), "MM_CONFIG_INVALID"],
  ["an unknown top-level section", () => rejection(() => loadConfig("bogus: 1\n", { env: {} })), "MM_CONFIG_INVALID"],
  ["a bad interpolation", () => rejection(() => loadConfig("providers:\n  p:\n    config:\n      api_key: ${nope:X}\n", { env: {} })), "MM_CONFIG_INVALID"],
  ["a missing environment variable", () => rejection(() => loadConfig("providers:\n  p:\n    config:\n      api_key: ${env:ABSENT_KEY}\n", { env: {} })), "MM_SECRET_MISSING"],
  ["an unknown connector", () => meshFailure("providers:\n  p:\n    connector: acme.nope.v1\n"), "MM_CONNECTOR_UNKNOWN"],
  ["a connector config the connector's schema rejects", () => meshFailure("providers:\n  p:\n    connector: test-fetch\n    config:\n      base_url: not a url\n"), "MM_CONFIG_INVALID"],
  [
    "a pool option a connector factory rejects",
    () => meshFailure(`${provider}pools:\n  chat:\n    capability: chat-completion\n    strategy: priority-selection\n    fallback_strategy: round-robin\n`),
    "MM_CONFIG_INVALID",
  ],
];

describe("every config failure is a ConfigError", () => {
  it.each(LOADER_CASES)("%s", async (_name, fail, code) => {
    const error = await fail();
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).code).toBe(code);
    expect((error as ConfigError).category).toBe("config");
    expect((error as ConfigError).issues.length).toBeGreaterThan(0);
  });

  it("a connector factory's own config failure names the pool path and the file", async () => {
    const error = (await meshFailure(`${provider}pools:\n  chat:\n    capability: chat-completion\n    strategy: priority-selection\n    fallback_strategy: round-robin\n`)) as ConfigError;
    expect(ConfigError.is(error)).toBe(true);
    expect(error.issues[0]!.path).toBe("pools.chat");
    expect(error.issues[0]!.message).toContain('fallback_strategy "round-robin" needs @modelmesh/rotation');
    expect(error.message).toMatch(/^\[modelmesh\] \[mesh\.yaml\] pools\.chat: /);
  });

  it("a malformed connector descriptor", () => {
    const error = thrown(() => new ConnectorRegistry().register({ id: "Not Valid", type: "provider", specificationVersion: "v1", create: () => ({}) } as never));
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).code).toBe("MM_CONNECTOR_INVALID");
  });

  it("a bad custom capability node", () => {
    const error = thrown(() => CapabilityTree.createDefault().add("Bad_Path"));
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).code).toBe("MM_CAPABILITY_INVALID");
  });

  it("a state sync policy the store cannot serve, and a periodic sync without an interval", () => {
    const storage = {} as StorageConnectorV1;
    const bare = { get: async () => undefined } as unknown as MemoryStateStore;
    const noExport = thrown(() => new StateSync({ store: bare, storage, policy: "periodic" }));
    expect(ConfigError.is(noExport)).toBe(true);
    expect((noExport as ConfigError).issues[0]!.path).toBe("storage.sync_policy");
    const noInterval = thrown(() => new StateSync({ store: new MemoryStateStore(), storage, policy: "periodic", intervalMs: 0 }));
    expect(ConfigError.is(noInterval)).toBe(true);
    expect((noInterval as ConfigError).issues[0]!.path).toBe("storage.sync_interval");
  });

  it("a quota clock with an unknown time zone, and a malformed duration", () => {
    expect(ConfigError.is(thrown(() => windowEnd("day", Date.UTC(2026, 0, 1), { resetTime: "00:00", timeZone: "Mars/Olympus" })))).toBe(true);
    expect(ConfigError.is(thrown(() => parseDuration("soon")))).toBe(true);
  });
});
