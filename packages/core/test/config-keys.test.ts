/**
 * Keys that used to be accepted and ignored (issue: "every config key honoured"): each one either changes what
 * the mesh does — shown here from YAML against real upstreams on 127.0.0.1 — or is refused at load with an
 * error naming the key and why.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorRegistry, createMesh, MeshEventBus, type DiscoveryConnectorV1, type DiscoveryHost, type Mesh, type MeshEvent } from "../src/index.js";
import { startUpstream, type Upstream } from "./support/upstream.js";
import { createFetchProvider } from "./support/fetch-provider.js";
import { testProviderConnector, user } from "./support/mesh.js";

const open: Array<Upstream | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

const registry = () => new ConnectorRegistry({ connectors: [testProviderConnector] });

/** Two upstreams behind one pool, configured from YAML with `retryYaml` as the pool's `retry:` block. */
async function pair(script: Parameters<Upstream["script"]>[1], retryYaml: string) {
  const a = await startUpstream({ "model-a": script });
  const b = await startUpstream({});
  open.push(a, b);
  const yaml = `
providers:
  pa: { connector: test.fetch.v1, config: { base_url: "${a.url}" } }
  pb: { connector: test.fetch.v1, config: { base_url: "${b.url}" } }
models:
  pa.model-a: { provider: pa, capabilities: [chat-completion] }
  pb.model-b: { provider: pb, capabilities: [chat-completion] }
pools:
  chat:
    capability: chat-completion
    provider_priority: [pa, pb]
    retry: ${retryYaml}
`;
  const mesh = await createMesh(yaml, { registry: registry(), env: {} });
  open.push(mesh);
  return { a, b, mesh };
}

describe("retry.retryable_codes / retry.non_retryable_codes", () => {
  it("a listed 500 is retried on the same route", async () => {
    const { a, mesh } = await pair([{ status: 500 }], "{ max_attempts: 1, initial_delay: 1ms, retryable_codes: [500] }");
    const { trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(a.callsFor("model-a")).toBe(2);
    expect(trace.attempts.map((x) => x.action)).toEqual(["retry-same-route", "rotate", "success"]);
  });

  it("a 500 missing from retryable_codes fails over at once", async () => {
    const { a, b, mesh } = await pair([{ status: 500 }], "{ max_attempts: 2, initial_delay: 1ms, retryable_codes: [503] }");
    const { trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(a.callsFor("model-a")).toBe(1);
    expect(b.callsFor("model-b")).toBe(1);
    expect(trace.attempts.map((x) => x.action)).toEqual(["rotate", "success"]);
  });

  it("a 503 in non_retryable_codes fails over at once, even when also listed as retryable", async () => {
    const { a, mesh } = await pair([{ status: 503 }], "{ max_attempts: 2, initial_delay: 1ms, retryable_codes: [503], non_retryable_codes: [503] }");
    const { trace } = await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(a.callsFor("model-a")).toBe(1);
    expect(trace.attempts.map((x) => x.action)).toEqual(["rotate", "success"]);
  });

  it("a caller error listed as retryable (409) is retried; unlisted it surfaces", async () => {
    const listed = await pair([{ status: 409 }, { reply: "second time lucky" }], "{ max_attempts: 1, initial_delay: 1ms, retryable_codes: [409] }");
    const { value, trace } = await listed.mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(value.choices[0]!.message.content).toBe("second time lucky");
    expect(listed.a.callsFor("model-a")).toBe(2);
    expect(trace.attempts.map((x) => x.action)).toEqual(["retry-same-route", "success"]);
    const plain = await pair([{ status: 409 }, { status: 409 }], "{ max_attempts: 1, initial_delay: 1ms }");
    await expect(plain.mesh.router.chat({ model: "chat", messages: user("hi") })).rejects.toMatchObject({ status: 409 });
    expect(plain.a.callsFor("model-a")).toBe(1);
  });
});

/** Loads `yaml` and returns the error message (or "loaded"). */
async function loadError(yaml: string): Promise<string> {
  try {
    const mesh = await createMesh(yaml, { registry: registry(), env: {} });
    await mesh.close();
    return "loaded";
  } catch (error) {
    return String((error as Error).message);
  }
}

const PROVIDER = `providers:\n  pa: { connector: test.fetch.v1, config: { base_url: "http://127.0.0.1:9", models: [{ id: m, capabilities: [chat-completion] }] } }\n`;

describe("keys refused at load, naming the key and why", () => {
  it.each([
    ["pools.chat.retry.scope", `${PROVIDER}pools:\n  chat: { capability: chat-completion, retry: { scope: same_provider } }\n`, /pools\.chat\.retry\.scope: not supported yet: a retry goes to the same route/],
    ["providers.pa.auth.method", `${PROVIDER.replace("connector: test.fetch.v1,", "connector: test.fetch.v1, auth: { method: oauth },")}`, /providers\.pa\.auth\.method: not supported yet: .*API key/],
    ["providers.pa.config.auth.method", PROVIDER.replace('base_url: "http', 'auth: { method: service_account }, base_url: "http'), /providers\.pa\.config\.auth\.method: not supported yet/],
    ["providers.pa.auth.key_rotation", PROVIDER.replace("connector: test.fetch.v1,", "connector: test.fetch.v1, auth: { key_rotation: true },"), /providers\.pa\.auth\.key_rotation: not supported yet: one key per provider entry/],
    ["providers.pa.batch", PROVIDER.replace("connector: test.fetch.v1,", "connector: test.fetch.v1, batch: { supported: true },"), /providers\.pa\.batch: not supported yet: ModelMesh routes no batch API calls/],
    ["providers.pa.files", PROVIDER.replace("connector: test.fetch.v1,", "connector: test.fetch.v1, files: { upload: true },"), /providers\.pa\.files: not supported yet/],
    ["providers.pa.fine_tuning", PROVIDER.replace("connector: test.fetch.v1,", "connector: test.fetch.v1, fine_tuning: { supported: true },"), /providers\.pa\.fine_tuning: not supported yet/],
    ["models.pa.m.batch", `${PROVIDER}models:\n  pa.m: { provider: pa, model: m, capabilities: [chat-completion], batch: { max_items: 10 } }\n`, /models\.pa\.m\.batch: not supported yet: ModelMesh routes no batch API calls/],
    ["secrets.reload_on_rotation", `${PROVIDER}secrets: { reload_on_rotation: true }\n`, /secrets\.reload_on_rotation: not supported yet: secrets are resolved once/],
    ["pools.chat.recovery.probe_interval without a scheduler", `${PROVIDER}pools:\n  chat: { capability: chat-completion, recovery: { probe_interval: 30s } }\n`, /pools\.chat\.recovery\.probe_interval: needs the recovery scheduler of @modelmesh\/rotation/],
    ["discovery.health.connector (unknown, even when off)", `${PROVIDER}discovery:\n  health: { connector: no-such-monitor }\n`, /discovery\.health\.connector: unknown connector 'no-such-monitor'/],
    ["discovery.sync.enabled without its connector", `${PROVIDER}discovery:\n  sync: { enabled: true }\n`, /discovery\.sync\.connector: connector 'modelmesh\.registry-sync\.v1' comes with @modelmesh\/discovery/],
  ])("%s", async (_key, yaml, message) => {
    expect(await loadError(yaml)).toMatch(message);
  });

  it("the values that mean today's behaviour stay accepted (scope same_model, api_key, key_rotation false, reload_on_rotation false)", async () => {
    const yaml = `${PROVIDER.replace("connector: test.fetch.v1,", "connector: test.fetch.v1, auth: { method: api_key, key_rotation: false },")}secrets: { reload_on_rotation: false }\npools:\n  chat: { capability: chat-completion, retry: { scope: same_model } }\n`;
    expect(await loadError(yaml)).toBe("loaded");
  });
});

describe("providers.<name>.discovery", () => {
  const listing = {
    ...testProviderConnector,
    id: "test.listing.v1",
    aliases: [],
    create: (config: { base_url: string }, context: { instanceId: string }) =>
      createFetchProvider(context.instanceId, config.base_url, [{ id: "model-a", capabilities: ["generation.text-generation.chat-completion"] }, { id: "model-z", capabilities: ["generation.text-generation.chat-completion"] }] as never),
  };
  const yaml = (discovery: string) => `
providers:
  pa: { connector: test.listing.v1, config: { base_url: "http://127.0.0.1:9" }${discovery} }
models:
  pa.a: { provider: pa, model: model-a, capabilities: [chat-completion] }
`;
  const modelIds = async (discovery: string) => {
    const mesh = await createMesh(yaml(discovery), { registry: new ConnectorRegistry({ connectors: [listing] }), env: {} });
    open.push(mesh);
    return [...mesh.router.models.keys()].sort();
  };

  it("enumerate_models: true routes to the listed models next to the configured ones (the configured one once)", async () => {
    expect(await modelIds("")).toEqual(["pa.a"]);
    expect(await modelIds(", discovery: { enumerate_models: true }")).toEqual(["pa.a", "pa.model-z"]);
  });

  it("model_details and capability_query are refused (not supported yet)", async () => {
    await expect(modelIds(", discovery: { model_details: true }")).rejects.toThrow(/providers\.pa\.discovery\.model_details: not supported yet/);
    await expect(modelIds(", discovery: { capability_query: true }")).rejects.toThrow(/providers\.pa\.discovery\.capability_query: not supported yet/);
  });
});

describe("discovery sections start their connectors", () => {
  it("discovery.health enabled: the connector is started with a host that parks and recovers providers, and stopped on close()", async () => {
    const a = await startUpstream({});
    open.push(a);
    let host: DiscoveryHost | undefined;
    let seenConfig: Record<string, unknown> | undefined;
    let stopped = 0;
    const monitor = {
      id: "test.monitor.v1",
      type: "discovery" as const,
      specificationVersion: "v1" as const,
      runtime: "universal" as const,
      create: (config: Record<string, unknown>): DiscoveryConnectorV1 => {
        seenConfig = config;
        return {
          specificationVersion: "v1",
          id: "test.monitor.v1",
          sync: async () => ({ newModels: [], deprecatedModels: [], updatedModels: [], errors: [] }),
          getSyncStatus: async () => ({ modelsSynced: 0, status: "idle" }),
          probe: async (providerId) => ({ providerId, success: true }),
          getHealthReport: async () => [],
          start: (given) => {
            host = given;
          },
          stop: async () => {
            stopped++;
          },
        };
      },
    };
    const events = new MeshEventBus();
    const seen: MeshEvent[] = [];
    events.on("*", (event) => seen.push(event));
    const yaml = `
providers:
  pa: { connector: test.fetch.v1, config: { base_url: "${a.url}" } }
models:
  pa.model-a: { provider: pa, capabilities: [chat-completion] }
discovery:
  health: { connector: test.monitor.v1, enabled: true, interval: 5s, failure_threshold: 2 }
`;
    const mesh = await createMesh(yaml, { registry: registry().register(monitor), env: {}, events });
    expect(seenConfig).toMatchObject({ interval: 5_000, failure_threshold: 2 });
    expect(host!.providerIds()).toEqual(["pa"]);
    await expect(host!.listModels("nobody")).rejects.toThrow(/unknown provider 'nobody'/);
    const report = { providerId: "pa", success: false, error: "connection refused", availabilityScore: 0, timestamp: Date.now(), consecutiveFailures: 2 };
    host!.providerUnhealthy("pa", report);
    await expect.poll(async () => (await mesh.ledger.providerStatus("pa")).status).toBe("standby");
    await expect(mesh.router.chat({ model: "chat-completion", messages: user("hi") })).rejects.toMatchObject({ code: expect.stringMatching(/^MM_/) });
    expect(a.calls).toHaveLength(0);
    host!.providerHealthy("pa", { ...report, success: true, consecutiveFailures: 0 });
    await expect.poll(async () => (await mesh.ledger.providerStatus("pa")).status).not.toBe("standby");
    await mesh.router.chat({ model: "chat-completion", messages: user("hi") });
    expect(a.calls).toHaveLength(1);
    host!.syncResult({ newModels: ["pa.new"], deprecatedModels: [], updatedModels: [], errors: [] });
    expect(seen.filter((e) => e.type === "provider-health").map((e) => (e as { healthy: boolean }).healthy)).toEqual([false, true]);
    expect(seen.find((e) => e.type === "registry-sync")).toMatchObject({ newModels: ["pa.new"] });
    await mesh.close();
    expect(stopped).toBe(1);
  });
});

describe("connectors named by package, and shipped ones whose package is missing", () => {
  it("`connector: <package>` imports the package and uses its connector of the expected type", async () => {
    const upstream = await startUpstream({});
    open.push(upstream);
    const imported: string[] = [];
    const importer = async (specifier: string) => {
      imported.push(specifier);
      if (specifier !== "@acme/modelmesh-connector-fetch") throw new Error(`Cannot find package '${specifier}'`);
      return { connector: { ...testProviderConnector, id: "acme.fetch.v1", aliases: [] } };
    };
    const yaml = `providers:\n  pa: { connector: "@acme/modelmesh-connector-fetch", config: { base_url: "${upstream.url}" } }\nmodels:\n  pa.model-a: { provider: pa, capabilities: [chat-completion] }\n`;
    const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ importer }), env: {} });
    open.push(mesh);
    await mesh.router.chat({ model: "chat-completion", messages: user("hi") });
    expect(upstream.calls).toHaveLength(1);
    // Imported once; the other imports are the not-installed packages of the defaults (env secrets, memory storage, …).
    expect(imported.filter((s) => s.startsWith("@acme/"))).toEqual(["@acme/modelmesh-connector-fetch"]);
    const wrongType = await createMesh(`${yaml}observability:\n  routing: { connector: "@acme/modelmesh-connector-fetch" }\n`, { registry: new ConnectorRegistry({ importer }), env: {} }).catch((e: unknown) => e);
    expect(String(wrongType)).toMatch(/observability\.routing\.connector: connector 'acme\.fetch\.v1' is a provider connector, expected observability/);
    const onlyForSinks = await createMesh(`providers:\n  pa: { connector: test.fetch.v1, config: { base_url: "${upstream.url}" } }\nobservability:\n  routing: { connector: "@acme/modelmesh-connector-fetch" }\n`, { registry: new ConnectorRegistry({ importer, connectors: [testProviderConnector] }), env: {} }).catch((e: unknown) => e);
    expect(String(onlyForSinks)).toMatch(/observability\.routing\.connector: package '@acme\/modelmesh-connector-fetch' has no observability connector \(it exports acme\.fetch\.v1\)/);
  });

  it("a shipped connector whose package is not registered names the package to install", async () => {
    const message = await loadError(`${PROVIDER}pools:\n  chat: { capability: chat-completion, strategy: modelmesh.round-robin.v1 }\n`);
    expect(message).toMatch(/pools\.chat\.strategy: connector 'modelmesh\.round-robin\.v1' comes with @modelmesh\/rotation, which is not installed: install it \(npm install @modelmesh\/rotation\)/);
    expect(await loadError(`${PROVIDER}observability:\n  logging: { connector: json-log }\n`)).toMatch(/comes with @modelmesh\/observability\/node, which is not installed: install it \(npm install @modelmesh\/observability\)/);
  });

  it("a shipped connector id whose package is installed but not registered is imported and used", async () => {
    const upstream = await startUpstream({});
    open.push(upstream);
    const imported: string[] = [];
    const importer = async (specifier: string) => {
      imported.push(specifier);
      if (specifier !== "@modelmesh/provider-anthropic") throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /x`), { code: "ERR_MODULE_NOT_FOUND" });
      return { connectors: [{ ...testProviderConnector, id: "anthropic.claude.v1", aliases: ["claude"] }] };
    };
    const yaml = `providers:\n  pa: { connector: claude, config: { base_url: "${upstream.url}" } }\n  pb: { connector: anthropic.claude.v1, config: { base_url: "${upstream.url}" } }\nmodels:\n  pa.model-a: { provider: pa, capabilities: [chat-completion] }\n`;
    const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ importer }), env: {} });
    open.push(mesh);
    await mesh.router.chat({ model: "pa.model-a", messages: user("hi") });
    expect(upstream.calls).toHaveLength(1);
    expect(imported.filter((s) => s === "@modelmesh/provider-anthropic")).toHaveLength(1);
  });

  it("a shipped package that is installed but fails to load is an error naming it, not 'not installed'", async () => {
    const importer = async (specifier: string): Promise<Record<string, unknown>> => {
      if (specifier === "@modelmesh/rotation") throw Object.assign(new Error("Cannot find package 'left-pad' imported from /x/rotation/dist/index.js"), { code: "ERR_MODULE_NOT_FOUND" });
      throw Object.assign(new Error(`Cannot find package '${specifier}' imported from /x`), { code: "ERR_MODULE_NOT_FOUND" });
    };
    const error = await createMesh(`${PROVIDER}pools:\n  chat: { capability: chat-completion, strategy: round-robin }\n`, { registry: new ConnectorRegistry({ importer, connectors: [testProviderConnector] }), env: {} }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/pools\.chat\.strategy: cannot import connector package '@modelmesh\/rotation': Cannot find package 'left-pad'/);
  });
});
