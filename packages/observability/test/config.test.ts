/**
 * Every config key of every connector of this package has an effect a test sees, loaded from YAML through
 * `createMesh` (the mesh passes the whole `observability.<section>` block to the connector) or, for what a
 * mesh never calls (`log`, `flush`, `trace`), through the registry directly; unknown keys are rejected naming
 * the key. Core's own section keys (`connector`, `max_payload_size`, `flush_interval`, `retention`, …) pass.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock, systemClock, type AggregateStats, type Clock, type ConnectorContext, type MeshEvent, type ObservabilityConnectorV1, type RequestLogEntry } from "@modelmesh/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { callbackObservability, createPrometheusConnector, type WebhookObservability } from "../src/index.js";
import { meshError, registryWith, startMesh, type TestMesh } from "./support/mesh.js";
import { startReceiver, until, type Receiver } from "./support/receiver.js";

const SECRET = "sk-config-test-0123456789abcdefghij";
const now = Date.UTC(2026, 0, 1);
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((item) => item.close()));
});

async function mesh(observability: string, options?: Parameters<typeof startMesh>[1]): Promise<TestMesh> {
  const started = await startMesh(observability, options);
  open.push(started);
  return started;
}

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const started = await startReceiver(...args);
  open.push(started);
  return started;
}

/** Builds a connector from a config block through the registry, as the mesh does for a section. */
async function connector<T extends ObservabilityConnectorV1>(id: string, config: Record<string, unknown>, clock: Clock = systemClock, extra = [] as Parameters<typeof registryWith>[0]): Promise<T> {
  const context: ConnectorContext = { instanceId: "observability.routing", clock, env: {}, runtime: "node" };
  const made = await registryWith(extra).create<T>(id, config, context, { type: "observability", path: "observability.routing" });
  open.push({ close: async () => void (await made.close?.()) });
  return made;
}

const LOG: RequestLogEntry = { timestamp: now, requestId: "req-log", poolId: "chat", modelId: "m", providerId: "p", kind: "chat", stream: false, ok: true, status: 200, latencyMs: 5, attempts: 1, promptTokens: 11, completionTokens: 22, costUsd: 0.5 };
const STATS: Record<string, AggregateStats> = {
  "model:m": { requestsTotal: 1, requestsSuccess: 1, requestsFailed: 0, tokensIn: 1, tokensOut: 1, costTotal: 0, latencyAvg: 1, latencyP95: 1, rotationEvents: 0 },
  "pool:chat": { requestsTotal: 1, requestsSuccess: 1, requestsFailed: 0, tokensIn: 1, tokensOut: 1, costTotal: 0, latencyAvg: 1, latencyP95: 1, rotationEvents: 0 },
};
const traceAt = (severity: "info" | "error") => ({ severity, timestamp: now, component: "mesh", message: `${severity} trace`, metadata: { apiKey: SECRET } });

/** Console lines printed during `body` (console.log is captured). */
async function consoleLines(body: () => Promise<void>): Promise<string[]> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await body();
  return log.mock.calls.map((call) => String(call[0]));
}

describe("console (modelmesh.console.v1)", () => {
  it("events, use_color and prefix from YAML shape what a mesh prints", async () => {
    const lines = await consoleLines(async () => {
      const m = await mesh(`  routing:\n    connector: console\n    events: [request-end]\n    use_color: false\n    prefix: "[mm-yaml]"\n`);
      await m.chat("hello");
    });
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^\[mm-yaml\] \d\d:\d\d:\d\d\.\d{3} \[EVENT\] request-end /);
    expect(lines[0]).not.toContain("\x1b[");
  });

  it("colours by default and honours NO_COLOR from the host env", async () => {
    const coloured = await consoleLines(async () => {
      const m = await mesh(`  routing:\n    connector: console\n    events: [request-start]\n`);
      await m.chat("hello");
    });
    expect(coloured[0]).toContain("\x1b[");
    vi.restoreAllMocks();
    const plain = await consoleLines(async () => {
      const m = await mesh(`  routing:\n    connector: console\n    events: [request-start]\n`, { env: { NO_COLOR: "1" } });
      await m.chat("hello");
    });
    expect(plain[0]).not.toContain("\x1b[");
  });

  it("level, redact, min_severity, scopes and show_timestamp act on log/trace/flush", async () => {
    const lines = await consoleLines(async () => {
      const summary = await connector("console", { use_color: false, show_timestamp: false, level: "summary" });
      summary.log(LOG);
      const metadata = await connector("console", { use_color: false, show_timestamp: false });
      metadata.log(LOG);
      const severe = await connector("console", { use_color: false, min_severity: "error" });
      severe.trace(traceAt("info"));
      severe.trace(traceAt("error"));
      const raw = await connector("console", { use_color: false, redact: false });
      raw.trace(traceAt("error"));
      const scoped = await connector("console", { use_color: false, scopes: ["pool"] });
      scoped.flush(STATS);
    });
    expect(lines[0]).toMatch(/^\[modelmesh\] \[LOG\] 200 5ms .*promptTokens=11/); // no timestamp, summary fields
    expect(lines[1]).not.toContain("promptTokens");
    expect(lines.filter((l) => l.includes("trace"))).toHaveLength(2); // the info one was dropped
    expect(lines[2]).toContain("error trace");
    expect(lines[2]).not.toContain(SECRET);
    expect(lines[3]).toContain(SECRET); // redact: false
    expect(lines.slice(4)).toHaveLength(1);
    expect(lines[4]).toContain("[STATS] pool:chat");
  });

  it("accepts core's section keys and rejects an unknown key by name", async () => {
    const lines = await consoleLines(async () => {
      const m = await mesh(`  statistics:\n    connector: console\n    flush_interval: 30s\n    retention: 1h\n    scopes: [pool]\n  logging:\n    connector: console\n    level: full\n    redact: true\n    max_payload_size: 64KB\n    events: [request-end]\n`);
      await m.chat("hi");
    });
    expect(lines.length).toBeGreaterThan(0);
    const error = await meshError(`  routing:\n    connector: console\n    colour: true\n`);
    expect(error.code).toBe("MM_CONFIG_INVALID");
    expect(error.issues?.[0]?.path).toBe("observability.routing.config");
    expect(error.issues?.[0]?.message).toMatch(/unknown key 'colour': connector 'modelmesh.console.v1' does not read it; accepted keys are .*use_color/);
  });
});

describe("null (modelmesh.null.v1)", () => {
  it("takes the section keys, discards everything, and rejects other keys", async () => {
    const m = await mesh(`  routing:\n    connector: "null"\n    events: [request-end]\n`);
    await m.chat("hi");
    const error = await meshError(`  routing:\n    connector: "null"\n    path: /tmp/x\n`);
    expect(error.issues?.[0]?.message).toMatch(/unknown key 'path': connector 'modelmesh.null.v1'/);
  });
});

describe("file and json-log (Node)", () => {
  it("path, events and level from YAML: the mesh's records land in the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mm-obs-"));
    const path = join(dir, "events.jsonl");
    const m = await mesh(`  routing:\n    connector: json-log\n    path: "${path}"\n    events: [request-end]\n    level: full\n`);
    await m.chat("hello");
    await m.close();
    const records = (await readFile(path, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.type)).toEqual(["request-end"]);
    expect(records[0]!.trace).toBeDefined(); // level: full keeps the routing trace
  });

  it("append: false truncates, max_size rotates, file defaults to modelmesh.log", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mm-obs-"));
    const path = join(dir, "sink.jsonl");
    await writeFile(path, "old line\n");
    const truncating = await connector<ObservabilityConnectorV1 & { drain(): Promise<void> }>("file", { path, append: false });
    truncating.trace(traceAt("error"));
    await truncating.drain();
    expect(await readFile(path, "utf8")).not.toContain("old line");
    const rotating = await connector<ObservabilityConnectorV1 & { drain(): Promise<void> }>("json-log", { path, max_size: 300 });
    for (let i = 0; i < 4; i++) rotating.trace(traceAt("error"));
    await rotating.drain();
    expect((await readFile(`${path}.1`, "utf8")).length).toBeGreaterThan(0);
    expect((await readFile(path, "utf8")).length).toBeLessThanOrEqual(300);
    expect(await connector("file", {})).toMatchObject({ id: "modelmesh.file.v1", filePath: "modelmesh.log" });
    expect(await connector("json-log", {})).toMatchObject({ id: "modelmesh.json-log.v1", filePath: "modelmesh.log.jsonl" });
  });

  it("rejects an unknown key and a bad size by name", async () => {
    expect((await meshError(`  routing:\n    connector: file\n    max_bytes: 10\n`)).issues?.[0]?.message).toMatch(/unknown key 'max_bytes'.*modelmesh.file.v1/);
    expect((await meshError(`  routing:\n    connector: json-log\n    max_size: lots\n`)).issues?.[0]).toMatchObject({ path: "observability.routing.config.max_size", message: expect.stringMatching(/expected a size/) });
  });
});

describe("webhook (modelmesh.webhook.v1)", () => {
  it("url, headers, events and batch_size from YAML: the mesh's events arrive, batched, on close", async () => {
    const sink = await receiver();
    const m = await mesh(`  routing:\n    connector: webhook\n    url: "${sink.url}"\n    headers: { authorization: "Bearer \${env:HOOK_TOKEN}" }\n    events: [request-start, request-end]\n    batch_size: 2\n    batch_interval: 1h\n`, { env: { HOOK_TOKEN: SECRET } });
    await m.chat("one");
    await until(() => sink.requests.length === 1, "the full batch");
    await m.chat("two");
    await m.chat("three");
    await m.close(); // flushes the partial batch
    expect(sink.requests.map((r) => r.body.records.map((rec) => rec.type))).toEqual([["request-start", "request-end"], ["request-start", "request-end"], ["request-start", "request-end"]]);
    expect(sink.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("batch_interval, max_queue, retry_backoff, max_backoff, max_retries, timeout and close_timeout act", async () => {
    const clock = createManualClock();
    const sink = await receiver([500, 500, 500, 500]);
    const errors: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((message: unknown) => void errors.push(String(message)));
    const hook = await connector<WebhookObservability>("webhook", { url: sink.url, batch_size: 10, batch_interval: "250ms", max_queue: 3, retry_backoff: "100ms", max_backoff: "150ms", max_retries: 2 }, clock);
    for (const id of ["a", "b", "c", "d"]) hook.emit({ type: "request-start", timestamp: now, requestId: id, requested: "x", kind: "chat", stream: false } as MeshEvent);
    expect(hook.deliveryStats()).toMatchObject({ queued: 3, dropped: 1 }); // max_queue
    clock.advance(249);
    expect(sink.requests).toHaveLength(0);
    clock.advance(1); // batch_interval
    await until(() => hook.deliveryStats().state === "waiting", "the first 500");
    expect(hook.deliveryStats().retryAt! - clock.now()).toBe(100); // retry_backoff
    clock.advance(100);
    await until(() => hook.deliveryStats().retries === 2 && hook.deliveryStats().state === "waiting", "the second 500");
    expect(hook.deliveryStats().retryAt! - clock.now()).toBe(150); // max_backoff caps 200
    clock.advance(150);
    await until(() => hook.deliveryStats().rejected === 3, "max_retries");
    expect(errors.some((e) => e.includes("failed 3 times"))).toBe(true);
    // The drop report follows the dropped batch (after batch_interval) and meets the fourth 500; close_timeout
    // (default 5s) ends it.
    await until(() => hook.deliveryStats().state === "idle" && hook.deliveryStats().queued === 1, "the drop report queued");
    clock.advance(250);
    await until(() => hook.deliveryStats().state === "waiting" && hook.deliveryStats().retries === 3, "the drop report's 500");
    const closing = hook.close();
    clock.advance(5000);
    await closing;
    expect(hook.deliveryStats().undelivered).toBe(1);

    const hanging = await receiver([], "hang");
    const slow = await connector<WebhookObservability>("webhook", { url: hanging.url, batch_size: 1, timeout: "50ms", retry_backoff: "1ms", close_timeout: "200ms" });
    slow.emit({ type: "request-start", timestamp: now, requestId: "z", requested: "x", kind: "chat", stream: false } as MeshEvent);
    await until(() => hanging.requests.length >= 2, "a retry after the timeout");
    const started = performance.now();
    await slow.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(slow.deliveryStats().undelivered).toBe(1);
  });

  it("level, redact, min_severity and scopes shape the records", async () => {
    const sink = await receiver();
    const hook = await connector<WebhookObservability>("webhook", { url: sink.url, batch_size: 100, level: "summary", redact: false, min_severity: "error", scopes: ["model"] });
    hook.log(LOG);
    hook.trace(traceAt("info"));
    hook.trace(traceAt("error"));
    hook.flush(STATS);
    await hook.close();
    const records = sink.delivered();
    expect(records.map((r) => r.kind)).toEqual(["log", "trace", "stats"]);
    expect(records[0]!.costUsd).toBe(0.5); // summary
    expect(JSON.stringify(records[1])).toContain(SECRET); // redact: false
    expect(records[2]!.scope).toBe("model:m");
  });

  it("rejects a missing or non-http url, bad numbers and unknown keys by name", async () => {
    expect((await meshError(`  routing:\n    connector: webhook\n`)).issues?.[0]?.path).toBe("observability.routing.config.url");
    expect((await meshError(`  routing:\n    connector: webhook\n    url: "file:///etc/passwd"\n`)).issues?.[0]?.message).toBe("expected an http(s) URL");
    expect((await meshError(`  routing:\n    connector: webhook\n    url: "http://127.0.0.1:9/x"\n    batch_size: 0\n`)).issues?.[0]?.path).toBe("observability.routing.config.batch_size");
    expect((await meshError(`  routing:\n    connector: webhook\n    url: "http://127.0.0.1:9/x"\n    timeout: soon\n`)).issues?.[0]?.path).toBe("observability.routing.config.timeout");
    expect((await meshError(`  routing:\n    connector: webhook\n    url: "http://127.0.0.1:9/x"\n    batch: 5\n`)).issues?.[0]?.message).toMatch(/unknown key 'batch'.*accepted keys are .*batch_size/);
  });
});

describe("prometheus (modelmesh.prometheus.v1)", () => {
  it("namespace, buckets and events from YAML: a mesh's request shows in render()", async () => {
    const prom = createPrometheusConnector();
    const m = await mesh(`  routing:\n    connector: prometheus\n    namespace: mmtest\n    buckets: [1000]\n    events: [request-end, attempt-start, attempt-end]\n`, { extra: [prom] });
    await m.chat("hello");
    const text = prom.render();
    expect(text).toContain('mmtest_requests_total{pool="capability:generation.text-generation.chat-completion",model="mock.gpt-4o",provider="mock",outcome="success"} 1\n');
    expect(text).toContain('mmtest_request_duration_seconds_bucket{pool="capability:generation.text-generation.chat-completion",model="mock.gpt-4o",provider="mock",outcome="success",le="1000"} 1\n');
    expect(text).not.toContain('le="0.05"');
    expect(text).toMatch(/mmtest_tokens_total\{model="mock.gpt-4o",provider="mock",direction="in"\} \d+/);
  });

  it("in routing and logging on one registry: events feed requests, logs feed cost, nothing counted twice", async () => {
    const prom = createPrometheusConnector();
    const { startMockProvider } = await import("@modelmesh/testing/server");
    const { createMesh } = await import("@modelmesh/core");
    const mock = await startMockProvider({ models: [{ id: "gpt-4o" }] });
    open.push(mock);
    const yaml = `providers:
  mock:
    connector: openai-compatible
    config: { base_url: "${mock.url}" }
    models: [{ id: gpt-4o, capabilities: [chat-completion], pricing: { per_request: 0.25 } }]
observability:
  routing: { connector: prometheus }
  logging: { connector: prometheus }
`;
    const m = await createMesh(yaml, { registry: registryWith([prom]), env: {} });
    open.push(m);
    await m.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "hi" }] });
    await m.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "again" }] });
    const text = prom.render();
    expect(text).toMatch(/^modelmesh_requests_total\{[^}]*outcome="success"\} 2$/m);
    expect(text).toMatch(/^modelmesh_cost_usd_total\{pool="[^"]+",model="mock.gpt-4o",provider="mock"\} 0.5$/m);
  });

  it("max_series and max_label_length bound the series", async () => {
    const prom = await connector<ObservabilityConnectorV1 & { render(): string }>("prometheus", { max_series: 1, max_label_length: 8 });
    for (const routeId of ["openai/some-model", "groq/other"]) prom.emit({ type: "route-recovered", timestamp: now, routeId, trigger: "probe_success", halfOpen: false } as MeshEvent);
    const text = prom.render();
    expect(text).toContain('modelmesh_route_recoveries_total{route="openai/…",trigger="probe_s…"} 1\n');
    expect(text).toContain('modelmesh_metrics_series_overflow_total{metric="modelmesh_route_recoveries_total"} 1\n');
  });

  it("rejects an unknown key and a bad namespace by name", async () => {
    expect((await meshError(`  routing:\n    connector: prometheus\n    port: 9464\n`)).issues?.[0]?.message).toMatch(/unknown key 'port'.*modelmesh.prometheus.v1/);
    expect((await meshError(`  routing:\n    connector: prometheus\n    namespace: "my-app"\n`)).issues?.[0]?.path).toBe("observability.routing.config.namespace");
  });
});

describe("callback (callbackObservability)", () => {
  it("events from YAML filters onEvent; min_severity and scopes filter traces and stats", async () => {
    const seen: string[] = [];
    const descriptor = callbackObservability(
      { onEvent: (event) => void seen.push(`event:${event.type}`), onTrace: (entry) => void seen.push(`trace:${entry.severity}`), onStats: (stats) => void seen.push(`stats:${Object.keys(stats).join(",")}`), onLog: (entry) => void seen.push(`log:${entry.requestId}`) },
      { aliases: ["app-hooks"] },
    );
    const m = await mesh(`  routing:\n    connector: app-hooks\n    events: [request-end]\n`, { extra: [descriptor] });
    await m.chat("hello");
    expect(seen).toEqual(["event:request-end"]);
    const direct = await connector("app.callback.v1", { min_severity: "error", scopes: ["pool"] }, systemClock, [descriptor]);
    direct.trace(traceAt("info"));
    direct.trace(traceAt("error"));
    direct.flush(STATS);
    direct.log(LOG);
    expect(seen.slice(1)).toEqual(["trace:error", "stats:pool:chat", "log:req-log"]);
    expect((await meshError(`  routing:\n    connector: app.callback.v1\n    handler: x\n`, [descriptor])).issues?.[0]?.message).toMatch(/unknown key 'handler'.*app.callback.v1/);
  });
});

describe("connectors.packages", () => {
  it("loads every connector of the package from its ./node entry (and the universal ones from the root)", async () => {
    const { ConnectorRegistry, createMesh } = await import("@modelmesh/core");
    const { CDK_CONNECTORS } = await import("@modelmesh/cdk");
    const { startMockProvider } = await import("@modelmesh/testing/server");
    const mock = await startMockProvider({ models: [{ id: "gpt-4o" }] });
    open.push(mock);
    const dir = await mkdtemp(join(tmpdir(), "mm-obs-"));
    const registry = new ConnectorRegistry({ connectors: [...CDK_CONNECTORS], importer: (specifier) => import(/* @vite-ignore */ specifier) });
    const yaml = `connectors: { packages: ["@modelmesh/observability/node"] }
providers:
  mock:
    connector: openai-compatible
    config: { base_url: "${mock.url}" }
    models: [{ id: gpt-4o, capabilities: [chat-completion] }]
observability:
  routing: { connector: json-log, path: "${join(dir, "log.jsonl")}", events: [request-end] }
`;
    const m = await createMesh(yaml, { registry, env: {} });
    await m.router.chat({ model: "chat-completion", messages: [{ role: "user", content: "hi" }] });
    await m.close();
    expect(await readFile(join(dir, "log.jsonl"), "utf8")).toContain('"type":"request-end"');
    for (const id of ["console", "null", "webhook", "prometheus", "file", "json-log"]) expect(registry.has(id)).toBe(true);
    const root = (await import(/* @vite-ignore */ "@modelmesh/observability")) as unknown as { connectors: Array<{ id: string }> };
    expect(root.connectors.map((c) => c.id)).toEqual(["modelmesh.console.v1", "modelmesh.null.v1", "modelmesh.webhook.v1", "modelmesh.prometheus.v1"]);
  });
});
