/**
 * The observability section from YAML, observed through a recording connector: routing events filtered by
 * `events` plus severity traces, one request log record per request at each `level` (with `redact` and
 * `max_payload_size`), and statistics per scope every `flush_interval` over `retention`, flushed once more on close.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  ConnectorRegistry,
  createManualClock,
  createMesh,
  type AggregateStats,
  type Mesh,
  type MeshEvent,
  type ObservabilityConnectorV1,
  type RequestLogEntry,
  type TraceEntry,
} from "../src/index.js";
import { startUpstream, type Upstream } from "./support/upstream.js";
import { testProviderConnector, user } from "./support/mesh.js";

const open: Array<Upstream | Mesh> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

/** What each sink section received, by section. */
interface Recorded {
  events: MeshEvent[];
  logs: Array<RequestLogEntry & Record<string, unknown>>;
  stats: Array<Record<string, AggregateStats>>;
  traces: TraceEntry[];
  closed: number;
}

function recorder() {
  const bySection: Record<string, Recorded> = {};
  const descriptor = {
    id: "test.recorder.v1",
    type: "observability" as const,
    specificationVersion: "v1" as const,
    runtime: "universal" as const,
    create: (_config: unknown, context: { instanceId: string }): ObservabilityConnectorV1 => {
      const rec: Recorded = (bySection[context.instanceId.replace("observability.", "")] = { events: [], logs: [], stats: [], traces: [], closed: 0 });
      return {
        specificationVersion: "v1",
        id: "test.recorder.v1",
        emit: (event) => rec.events.push(event),
        log: (entry) => rec.logs.push(entry as RequestLogEntry & Record<string, unknown>),
        flush: (stats) => rec.stats.push(structuredClone(stats)),
        trace: (entry) => rec.traces.push(entry),
        close: async () => {
          rec.closed++;
        },
      };
    },
  };
  return { descriptor, bySection };
}

async function meshWith(observabilityYaml: string, options: { clock?: ReturnType<typeof createManualClock> } = {}) {
  const a = await startUpstream({ "model-a": [{ status: 503 }, { reply: "from a", usage: { prompt_tokens: 1000, completion_tokens: 500 } }] });
  const b = await startUpstream({ "model-b": [{ reply: "from b", usage: { prompt_tokens: 2000, completion_tokens: 1000 } }] });
  open.push(a, b);
  const { descriptor, bySection } = recorder();
  const yaml = `
providers:
  pa: { connector: test.fetch.v1, config: { base_url: "${a.url}" } }
  pb: { connector: test.fetch.v1, config: { base_url: "${b.url}" } }
models:
  pa.model-a: { provider: pa, capabilities: [chat-completion], pricing: { input_per_million: 1, output_per_million: 2 } }
  pb.model-b: { provider: pb, capabilities: [chat-completion], pricing: { input_per_million: 10, output_per_million: 20 } }
pools:
  chat: { capability: chat-completion, provider_priority: [pa, pb], retry: { max_attempts: 0 } }
${observabilityYaml}`;
  const mesh = await createMesh(yaml, { registry: new ConnectorRegistry({ connectors: [testProviderConnector, descriptor] }), env: {}, ...(options.clock ? { clock: options.clock } : {}) });
  open.push(mesh);
  return { mesh, a, b, bySection };
}

describe("observability.routing", () => {
  it("sends the events listed in `events` only; the logging sink gets a trace line by severity for each that is news", async () => {
    const { mesh, bySection } = await meshWith(`observability:\n  routing: { connector: test.recorder.v1, events: [rotation, request-end] }\n  logging: { connector: test.recorder.v1 }\n`);
    await mesh.router.chat({ model: "chat", messages: user("hi") }); // a answers 503 → failover to b
    const routing = bySection.routing!;
    expect(routing.events.map((e) => e.type)).toEqual(["rotation", "request-end"]);
    expect(routing.traces).toEqual([]);
    expect(bySection.logging!.traces.find((t) => t.severity === "warning" && /attempt 1 on pa\/pa\.model-a failed: MM_SERVER \(503\), rotate/.test(t.message))).toBeDefined();
    await mesh.close();
    expect(routing.closed).toBe(1);
  });
});

describe("observability.logging", () => {
  it("level metadata: one record per request with pool, model, provider, tokens, cost and attempts", async () => {
    const { mesh, bySection } = await meshWith(`observability:\n  logging: { connector: test.recorder.v1 }\n`);
    await mesh.router.chat({ model: "chat", messages: user("first") }); // 503 from a, answered by b
    await mesh.router.chat({ model: "chat", messages: user("second") }); // a is parked? then b again
    const logs = bySection.logging!.logs;
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({ poolId: "chat", modelId: "pb.model-b", providerId: "pb", kind: "chat", stream: false, ok: true, attempts: 2, promptTokens: 2000, completionTokens: 1000 });
    expect(logs[0]!.costUsd).toBeCloseTo((2000 * 10 + 1000 * 20) / 1e6, 10);
    expect(logs[0]).not.toHaveProperty("attemptsDetail");
    expect(logs[0]).not.toHaveProperty("request");
    expect(bySection.logging!.events).toEqual([]); // a logging sink receives records, not the event stream
  });

  it("level summary adds the routing story; a failed request carries its code and status", async () => {
    const a = await startUpstream({ "model-a": [{ status: 400 }] });
    open.push(a);
    const { descriptor, bySection } = recorder();
    const mesh = await createMesh(
      `providers:\n  pa: { connector: test.fetch.v1, config: { base_url: "${a.url}" } }\nmodels:\n  pa.model-a: { provider: pa, capabilities: [chat-completion] }\nobservability:\n  logging: { connector: test.recorder.v1, level: summary }\n`,
      { registry: new ConnectorRegistry({ connectors: [testProviderConnector, descriptor] }), env: {} },
    );
    open.push(mesh);
    const error = (await mesh.router.chat({ model: "chat-completion", messages: user("bad") }).catch((e: unknown) => e)) as { code: string };
    expect(error.code).toMatch(/^MM_/);
    const [entry] = bySection.logging!.logs;
    expect(entry).toMatchObject({ ok: false, status: 400, errorCode: error.code, requested: "chat-completion", attemptsDetail: [{ attempt: 1, routeId: "pa/pa.model-a", ok: false, status: 400 }] });
  });

  it("level full logs payloads, redacted, cut to max_payload_size", async () => {
    const { mesh, bySection } = await meshWith(`observability:\n  logging: { connector: test.recorder.v1, level: full, max_payload_size: 200 }\n`);
    const long = "x".repeat(1_000);
    await mesh.router.chat({ model: "chat", messages: user(long), max_tokens: 5, metadata: { api_key: "sk-live-123" } } as never);
    const [entry] = bySection.logging!.logs;
    expect(typeof entry!.request).toBe("string"); // cut: a string ending in the marker
    expect(entry!.request as string).toMatch(/…\[truncated \d+ of \d+ bytes\]$/);
    expect(new TextEncoder().encode((entry!.request as string).split("…[truncated")[0]).length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(entry)).not.toContain("sk-live-123");
    expect(entry!.response).toBeDefined();
  });

  it("level full, small payloads: kept whole, secret-looking keys hidden, max_tokens untouched", async () => {
    const { mesh, bySection } = await meshWith(`observability:\n  logging: { connector: test.recorder.v1, level: full }\n`);
    await mesh.router.chat({ model: "chat", messages: user("hi"), max_tokens: 5, metadata: { api_key: "sk-live-123" } } as never);
    const request = bySection.logging!.logs[0]!.request as Record<string, unknown>;
    expect(request.max_tokens).toBe(5);
    expect(request.metadata).toEqual({ api_key: "[redacted]" });
    expect((bySection.logging!.logs[0]!.response as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("from b");
  });

  it("redact: false keeps the values", async () => {
    const { mesh, bySection } = await meshWith(`observability:\n  logging: { connector: test.recorder.v1, level: full, redact: false }\n`);
    await mesh.router.chat({ model: "chat", messages: user("hi"), metadata: { api_key: "sk-test-visible" } } as never);
    expect(JSON.stringify(bySection.logging!.logs[0]!.request)).toContain("sk-test-visible");
  });

  it("a stream is logged when it ends, with the usage of its last chunk", async () => {
    const a = await startUpstream({ "model-a": [{ stream: ["one ", "two ", "three"] }] });
    open.push(a);
    const { descriptor, bySection } = recorder();
    const mesh = await createMesh(
      `providers:\n  pa: { connector: test.fetch.v1, config: { base_url: "${a.url}" } }\nmodels:\n  pa.model-a: { provider: pa, capabilities: [chat-completion] }\nobservability:\n  logging: { connector: test.recorder.v1 }\n`,
      { registry: new ConnectorRegistry({ connectors: [testProviderConnector, descriptor] }), env: {} },
    );
    open.push(mesh);
    const { value } = await mesh.router.chatStream({ model: "chat-completion", messages: user("hi"), stream: true });
    expect(bySection.logging!.logs).toHaveLength(0); // not before it ends
    for await (const _chunk of value) void _chunk;
    expect(bySection.logging!.logs).toHaveLength(1);
    expect(bySection.logging!.logs[0]).toMatchObject({ stream: true, ok: true, promptTokens: 3, completionTokens: 3, modelId: "pa.model-a" });
  });
});

describe("observability.statistics", () => {
  it("flushes per model, provider and pool every flush_interval and once more on close", async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const { mesh, bySection } = await meshWith(`observability:\n  statistics: { connector: test.recorder.v1, flush_interval: 10s }\n`, { clock });
    await mesh.router.chat({ model: "chat", messages: user("hi") });
    expect(bySection.statistics!.stats).toHaveLength(0);
    clock.advance(10_000);
    const [first] = bySection.statistics!.stats;
    expect(Object.keys(first!).sort()).toEqual(["model:pb.model-b", "pool:chat", "provider:pb"]);
    expect(first!["pool:chat"]).toMatchObject({ requestsTotal: 1, requestsSuccess: 1, requestsFailed: 0, tokensIn: 2000, tokensOut: 1000, rotationEvents: 1 });
    expect(first!["pool:chat"]!.costTotal).toBeCloseTo(0.04, 10);
    clock.advance(10_000); // nothing new in this interval (no retention): nothing to say
    expect(bySection.statistics!.stats).toHaveLength(1);
    await mesh.router.chat({ model: "chat", messages: user("again") });
    await mesh.close();
    expect(bySection.statistics!.stats).toHaveLength(2);
    expect(bySection.statistics!.stats[1]!["pool:chat"]).toMatchObject({ requestsTotal: 1 });
  });

  it("scopes limits the keys; retention sums the last intervals", async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const { mesh, bySection } = await meshWith(`observability:\n  statistics: { connector: test.recorder.v1, flush_interval: 10s, retention: 30s, scopes: [pool] }\n`, { clock });
    await mesh.router.chat({ model: "chat", messages: user("1") });
    clock.advance(10_000);
    await mesh.router.chat({ model: "chat", messages: user("2") });
    clock.advance(10_000);
    const stats = bySection.statistics!.stats;
    expect(Object.keys(stats[1]!)).toEqual(["pool:chat"]);
    expect(stats[1]!["pool:chat"]!.requestsTotal).toBe(2); // both intervals fall within the 30 s retention
    clock.advance(20_000);
    expect(stats.at(-1)!["pool:chat"]!.requestsTotal).toBe(1); // the first interval has left the window
    expect(stats.at(-1)!["pool:chat"]!.latencyP95).toBeGreaterThanOrEqual(0);
  });

  it("counts failed requests by the category of their last error", async () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    const a = await startUpstream({ "model-a": [{ status: 500 }] });
    open.push(a);
    const { descriptor, bySection } = recorder();
    const mesh = await createMesh(
      `providers:\n  pa: { connector: test.fetch.v1, config: { base_url: "${a.url}" } }\nmodels:\n  pa.model-a: { provider: pa, capabilities: [chat-completion] }\npools:\n  chat: { capability: chat-completion, retry: { max_attempts: 0 } }\nobservability:\n  statistics: { connector: test.recorder.v1, flush_interval: 10s, scopes: [pool] }\n`,
      { registry: new ConnectorRegistry({ connectors: [testProviderConnector, descriptor] }), env: {}, clock },
    );
    open.push(mesh);
    await expect(mesh.router.chat({ model: "chat", messages: user("1") })).rejects.toThrow();
    await expect(mesh.router.chat({ model: "chat", messages: user("2") })).rejects.toThrow();
    clock.advance(10_000);
    expect(bySection.statistics!.stats[0]!["pool:chat"]).toMatchObject({ requestsTotal: 2, requestsSuccess: 0, requestsFailed: 2, errorsByCategory: { server: 2 } });
  });

  it("rejects a retention shorter than flush_interval, naming the key", async () => {
    await expect(meshWith(`observability:\n  statistics: { connector: test.recorder.v1, flush_interval: 1m, retention: 10s }\n`)).rejects.toThrow(/observability\.statistics\.retention: must be at least flush_interval/);
  });
});
