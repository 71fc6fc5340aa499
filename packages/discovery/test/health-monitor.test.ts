/**
 * `modelmesh.health-monitor.v1` against real mock providers on 127.0.0.1, with a recording DiscoveryHost and a
 * manual clock: the failure threshold, recovery, every config key's effect, the start-time checks and stop().
 */
import { createMesh, type MeshEvent, type ProviderHealthEvent } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { HealthMonitor } from "../src/index.js";
import { capturingRegistry, failure, make, manualContext, recordingHost, registry, until } from "./support.js";

let a: MockProvider;
let b: MockProvider;
const started: HealthMonitor[] = [];

beforeAll(async () => {
  a = await startMockProvider();
  b = await startMockProvider();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((monitor) => monitor.stop()));
  a.reset();
  b.reset();
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

const probes = (mock: MockProvider, path = "/v1/models") => mock.calls.filter((call) => call.method === "GET" && call.path === path).length;

async function monitor(config: Record<string, unknown>) {
  const { clock, context } = manualContext("discovery.health");
  const connector = await make<HealthMonitor>("health-monitor", { connector: "health-monitor", enabled: true, ...config }, context);
  started.push(connector);
  return { clock, connector };
}

const both = () => ({ a: a.url, b: b.url });

describe("threshold and recovery", () => {
  it("reports a provider unhealthy after failure_threshold consecutive failures (once), and healthy on the next success", async () => {
    const { clock, connector } = await monitor({ interval: 1_000, failure_threshold: 2, endpoints: both(), health_path: "/models" });
    const { host, calls } = recordingHost(["a", "b"]);
    connector.start(host);
    await connector.idle();
    expect([probes(a), probes(b)]).toEqual([1, 1]); // a round at start
    const remove = a.fault({ path: "/models", fault: { kind: "status", status: 503 } });
    clock.advance(1_000);
    await connector.idle();
    expect(calls).toEqual([]); // one failure is below the threshold
    clock.advance(1_000);
    await connector.idle();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: "unhealthy", providerId: "a", report: { success: false, statusCode: 503, consecutiveFailures: 2 } });
    expect(connector.unhealthy).toEqual(["a"]);
    clock.advance(1_000);
    await connector.idle();
    expect(calls).toHaveLength(1); // still failing: not reported again
    remove();
    clock.advance(1_000);
    await connector.idle();
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ kind: "healthy", providerId: "a", report: { success: true, consecutiveFailures: 0 } });
    expect(connector.unhealthy).toEqual([]);
    expect(probes(a)).toBe(5);
    expect(probes(b)).toBe(5);
    expect(calls.some((call) => "providerId" in call && call.providerId === "b")).toBe(false);
  });

  it("defaults: failure_threshold 3, health_path /health, every provider of the host", async () => {
    const { clock, connector } = await monitor({ endpoints: both() });
    const { host, calls } = recordingHost(["a", "b"]);
    connector.start(host);
    expect(connector.monitored).toEqual(["a", "b"]);
    await connector.idle();
    clock.advance(60_000); // default interval 60s
    await connector.idle();
    expect(calls).toEqual([]); // the mock has no /health: two 404s, below the default threshold
    clock.advance(60_000);
    await connector.idle();
    expect(calls.map((call) => call.kind === "unhealthy" && call.providerId).sort()).toEqual(["a", "b"]);
    expect(a.calls.map((call) => call.path)).toEqual(["/v1/health", "/v1/health", "/v1/health"]);
  });
});

describe("config keys", () => {
  it("interval: the next round starts interval ms after the previous one ended", async () => {
    const { clock, connector } = await monitor({ interval: "5s", endpoints: { a: a.url }, providers: ["a"], health_path: "/models" });
    connector.start(recordingHost(["a", "b"]).host);
    await connector.idle();
    expect(probes(a)).toBe(1);
    clock.advance(4_999);
    await connector.idle();
    expect(probes(a)).toBe(1);
    clock.advance(1);
    await connector.idle();
    expect(probes(a)).toBe(2);
  });

  it("timeout: a probe that gets no answer fails once timeout ms pass", async () => {
    const { clock, connector } = await monitor({ timeout: "2s", failure_threshold: 1, endpoints: { a: a.url }, providers: ["a"], health_path: "/models" });
    a.fault({ path: "/models", fault: { kind: "no-response" } });
    const { host, calls } = recordingHost(["a"]);
    connector.start(host);
    await until("the probe to reach the mock", () => probes(a) === 1);
    clock.advance(1_999);
    expect(calls).toEqual([]);
    clock.advance(1);
    await connector.idle();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: "unhealthy", providerId: "a", report: { success: false } });
    expect((calls[0] as { report: { error: string } }).report.error).toMatch(/2000 ms/);
  });

  it("providers: only the listed providers are probed", async () => {
    const { connector } = await monitor({ providers: ["b"], endpoints: { b: b.url }, health_path: "/models" });
    connector.start(recordingHost(["a", "b"]).host);
    await connector.idle();
    expect(connector.monitored).toEqual(["b"]);
    expect([probes(a), probes(b)]).toEqual([0, 1]);
  });

  it("expected_status: the status that counts as healthy", async () => {
    const { clock, connector } = await monitor({ expected_status: 503, failure_threshold: 1, endpoints: { a: a.url }, health_path: "/models", interval: 1_000 });
    const remove = a.fault({ path: "/models", fault: { kind: "status", status: 503 } });
    const { host, calls } = recordingHost(["a"]);
    connector.start(host);
    await connector.idle();
    expect(calls).toEqual([]); // 503 is what this endpoint calls healthy
    remove();
    clock.advance(1_000);
    await connector.idle();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: "unhealthy", report: { statusCode: 200, error: "expected HTTP 503, got 200" } });
  });

  it("headers: sent with every probe", async () => {
    const { connector } = await monitor({ headers: { "x-probe-token": "t1" }, endpoints: { a: a.url }, health_path: "/models" });
    connector.start(recordingHost(["a"]).host);
    await connector.idle();
    expect(a.calls[0]!.headers["x-probe-token"]).toBe("t1");
  });

  it("rejects unknown keys and bad values, naming them", async () => {
    const { context } = manualContext("discovery.health");
    const unknown = await failure(make("health-monitor", { endpoint: a.url }, context));
    expect(unknown.message).toContain("endpoint");
    const badInterval = await failure(make("health-monitor", { interval: "soon" }, context));
    expect(badInterval.issues?.[0]?.path).toBe("discovery.health.config.interval");
    const badUrl = await failure(make("health-monitor", { endpoints: { a: "not a url" } }, context));
    expect(badUrl.issues?.[0]?.path).toBe("discovery.health.config.endpoints.a");
    const badPath = await failure(make("health-monitor", { health_path: "models" }, context));
    expect(badPath.issues?.[0]?.path).toBe("discovery.health.config.health_path");
    const emptyProviders = await failure(make("health-monitor", { providers: [] }, context));
    expect(emptyProviders.issues?.[0]?.path).toBe("discovery.health.config.providers");
  });
});

describe("start-time checks: nothing is skipped silently", () => {
  it("a monitored provider without an endpoint is a config error naming it", async () => {
    const { connector } = await monitor({ endpoints: { a: a.url } });
    const error = await failure(() => connector.start(recordingHost(["a", "b"]).host));
    expect(error.issues).toEqual([{ path: "discovery.health.endpoints", message: expect.stringContaining("no endpoint to probe for 'b'") }]);
  });

  it("an endpoint added with registerProviderUrl before start counts", async () => {
    const { connector } = await monitor({ endpoints: { a: a.url }, health_path: "/models" });
    connector.registerProviderUrl("b", b.url);
    connector.start(recordingHost(["a", "b"]).host);
    await connector.idle();
    expect([probes(a), probes(b)]).toEqual([1, 1]);
  });

  it("a listed provider or an endpoint the mesh does not have, and an endpoint never probed, are config errors", async () => {
    const { connector } = await monitor({ providers: ["a", "zz"], endpoints: { a: a.url, b: b.url, yy: b.url } });
    const error = await failure(() => connector.start(recordingHost(["a", "b"]).host));
    expect(error.issues?.map((issue) => issue.path)).toEqual(["discovery.health.providers", "discovery.health.endpoints.b", "discovery.health.endpoints.yy"]);
    expect(error.message).toContain("'zz'");
    expect(error.message).toContain("would never be probed");
  });
});

describe("stop()", () => {
  it("waits for the probe in flight, reports nothing after, and leaves no timer", async () => {
    const { clock, connector } = await monitor({ timeout: 1_000, failure_threshold: 1, endpoints: { a: a.url }, health_path: "/models" });
    a.fault({ path: "/models", fault: { kind: "no-response" } });
    const { host, calls } = recordingHost(["a"]);
    connector.start(host);
    await until("the probe to reach the mock", () => probes(a) === 1);
    let stopped = false;
    const stopping = connector.stop().then(() => (stopped = true));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false); // the probe is still in flight
    clock.advance(1_000); // its timeout ends it
    await stopping;
    expect(calls).toEqual([]); // the failure came after stop(): not reported
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(probes(a)).toBe(1);
  });
});

describe("restart", () => {
  it("start after stop resumes; a provider still parked with the same host is reported healthy when it recovers", async () => {
    const { clock, connector } = await monitor({ interval: 1_000, failure_threshold: 1, endpoints: { a: a.url }, health_path: "/models" });
    const remove = a.fault({ path: "/models", fault: { kind: "status", status: 503 } });
    const { host, calls } = recordingHost(["a"]);
    connector.start(host);
    await connector.idle();
    expect(calls.map((call) => call.kind)).toEqual(["unhealthy"]);
    await connector.stop();
    remove();
    connector.start(host);
    await connector.idle();
    expect(calls.map((call) => call.kind)).toEqual(["unhealthy", "healthy"]);
    expect(probes(a)).toBe(2);
    clock.advance(1_000);
    await connector.idle();
    expect(probes(a)).toBe(3);
  });
});

describe("through createMesh (discovery.health in YAML)", () => {
  it("takes a failing provider out of rotation and brings it back", async () => {
    const { clock } = manualContext("mesh");
    const yaml = `
providers:
  a:
    connector: openai-compatible
    config: { base_url: "${a.url}", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] }
  b:
    connector: openai-compatible
    config: { base_url: "${b.url}", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] }
discovery:
  health:
    connector: health-monitor
    enabled: true
    interval: 10s
    failure_threshold: 2
    health_path: /models
    endpoints: { a: "${a.url}", b: "${b.url}" }
`;
    const { registry: meshRegistry, created } = capturingRegistry();
    const mesh = await createMesh(yaml, { registry: meshRegistry, clock, env: {} });
    try {
      const events: MeshEvent[] = [];
      mesh.events.on("provider-health", (event) => void events.push(event));
      expect(created).toHaveLength(1);
      await created[0]!.idle();
      expect([probes(a), probes(b)]).toEqual([1, 1]);
      a.fault({ path: "/models", fault: { kind: "status", status: 503 } });
      for (let round = 2; round <= 3; round++) {
        clock.advance(10_000);
        await created[0]!.idle();
        expect([probes(a), probes(b)]).toEqual([round, round]);
      }
      await until("the unhealthy event", () => events.length === 1);
      expect(events[0]).toMatchObject({ type: "provider-health", providerId: "a", healthy: false, consecutiveFailures: 2 } satisfies Partial<ProviderHealthEvent>);
      expect(await mesh.ledger.providerStatus("a")).toMatchObject({ status: "standby" });
      a.reset();
      clock.advance(10_000);
      await created[0]!.idle();
      await until("the healthy event", () => events.length === 2);
      expect(events[1]).toMatchObject({ providerId: "a", healthy: true });
    } finally {
      await mesh.close();
    }
    expect(clock.pending).toBe(0);
  });

  it("a provider without an endpoint fails createMesh, naming discovery.health.endpoints", async () => {
    const yaml = `
providers:
  a:
    connector: openai-compatible
    config: { base_url: "${a.url}", models: [{ id: "m", capabilities: ["generation.text-generation.chat-completion"] }] }
discovery:
  health: { enabled: true, health_path: /models }
`;
    const error = await failure(createMesh(yaml, { registry: registry(), env: {} }));
    expect(error.message).toContain("discovery.health.endpoints");
    expect(error.message).toContain("'a'");
  });
});
