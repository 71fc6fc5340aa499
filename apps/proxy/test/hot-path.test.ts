/**
 * The request path's shortcuts answer exactly as the general code does: plain paths read without URL parsing
 * (odd ones still normalised), Host verdicts remembered per config, metric series bound once, the decision
 * ring, and a client that leaves before anything asked for the request's signal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { DecisionLog } from "../src/decisions.js";
import { ProxyMetrics } from "../src/metrics.js";
import { meshConfig, start, type Started } from "./support/harness.js";
import { send } from "./support/raw-http.js";

const TOKEN = "hot-path-token-0123456789";
const CHAT = JSON.stringify({ model: "chat", messages: [{ role: "user", content: "ping" }] });

let mock: MockProvider;
let started: Started;
let port: number;

beforeAll(async () => {
  mock = await startMockProvider();
  started = await start(meshConfig([mock.url], { proxy: { auth: { tokens: [{ token: TOKEN, admin: true }] } } }));
  port = started.proxy.port;
});
afterAll(async () => {
  await started?.proxy.close();
  await mock?.close();
});

const chat = (path: string, headers: Record<string, string> = {}) =>
  send(port, path, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, host: `127.0.0.1:${port}`, ...headers }, body: CHAT });

describe("request targets", () => {
  it("serves plain paths, with or without a query", async () => {
    expect((await chat("/v1/chat/completions")).status).toBe(200);
    expect((await chat("/v1/chat/completions?trace=1")).status).toBe(200);
  });

  it("normalises dot segments and escapes as URL parsing does", async () => {
    expect((await chat("/v1/./chat/completions")).status).toBe(200);
    expect((await chat("/v1/models/../chat/completions")).status).toBe(200);
    expect((await chat("/v1/chat/%63ompletions")).status).toBe(200);
    const healthz = await send(port, "/admin/../healthz", { headers: { host: `127.0.0.1:${port}` } });
    expect(healthz.status).toBe(200);
  });

  it("does not take a leading // for a path (URL reads it as a host)", async () => {
    const answer = await chat("//v1/chat/completions");
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text).error.code).toBe("not_found");
  });

  it("answers 405 for a known path with another method, 404 for an unknown one", async () => {
    const wrongMethod = await send(port, "/v1/chat/completions", { headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` } });
    expect(wrongMethod.status).toBe(405);
    const unknown = await send(port, "/v1/nothing-here", { headers: { host: `127.0.0.1:${port}` } });
    expect(unknown.status).toBe(404);
  });

  it("reads a ?token= query only on the admin routes that take one", async () => {
    const state = await send(port, `/admin/state?token=${TOKEN}`, { headers: { host: `127.0.0.1:${port}` } });
    expect(state.status).toBe(200);
    const explain = await send(port, `/admin/explain?token=${TOKEN}`, { method: "POST", headers: { host: `127.0.0.1:${port}` } });
    expect(explain.status).toBe(401);
  });
});

describe("Host verdicts", () => {
  it("keeps refusing a Host it refused before, and accepting one it accepted", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await chat("/v1/chat/completions", { host: "evil.example" })).status).toBe(403);
      expect((await chat("/v1/chat/completions", { host: `localhost:${port}` })).status).toBe(200);
    }
  });

  it("stays bounded and correct under many distinct Host values", async () => {
    for (let i = 0; i < 300; i++) {
      const answer = await send(port, "/healthz", { headers: { host: `name-${i}.example` } });
      expect(answer.status).toBe(403);
    }
    expect((await send(port, "/healthz", { headers: { host: `127.0.0.1:${port}` } })).status).toBe(200);
  });
});

describe("metric series", () => {
  it("an HTTP series appears at its first request and counts bound and label-object increments together", () => {
    const metrics = new ProxyMetrics();
    expect(metrics.registry.render()).toContain("# TYPE modelmesh_http_requests_total counter\n");
    expect(metrics.registry.render()).not.toContain('modelmesh_http_requests_total{endpoint="chat",status="200"}');
    metrics.recordHttp("chat", 200, 0.01);
    metrics.recordHttp("chat", 200, 0.01); // the series bound by the first call
    metrics.httpRequests.inc({ endpoint: "chat", status: "200" }, 2);
    metrics.httpRequests.labels("chat", "200").inc(-1); // ignored: counters only go up
    expect(metrics.registry.render()).toContain('modelmesh_http_requests_total{endpoint="chat",status="200"} 4\n');
  });

  it("latency buckets are cumulative in the exposition", () => {
    const metrics = new ProxyMetrics();
    for (const seconds of [0.003, 0.2, 0.3, 100, Number.NaN]) metrics.recordHttp("embeddings", 200, seconds);
    const text = metrics.registry.render();
    expect(text).toContain('modelmesh_http_request_duration_seconds_bucket{endpoint="embeddings",le="0.005"} 1\n');
    expect(text).toContain('modelmesh_http_request_duration_seconds_bucket{endpoint="embeddings",le="0.25"} 2\n');
    expect(text).toContain('modelmesh_http_request_duration_seconds_bucket{endpoint="embeddings",le="0.5"} 3\n');
    expect(text).toContain('modelmesh_http_request_duration_seconds_bucket{endpoint="embeddings",le="60"} 3\n');
    expect(text).toContain('modelmesh_http_request_duration_seconds_bucket{endpoint="embeddings",le="+Inf"} 4\n');
    expect(text).toContain('modelmesh_http_request_duration_seconds_count{endpoint="embeddings"} 4\n');
    expect(text).toContain('modelmesh_http_request_duration_seconds_sum{endpoint="embeddings"} 100.503\n');
  });

  it("keeps label values from the config whole (a long route id is not cut)", () => {
    const metrics = new ProxyMetrics();
    const model = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${"x".repeat(300)}`;
    metrics.deactivations.inc({ route: `bedrock/${model}`, reason: "error_threshold" });
    expect(metrics.registry.render()).toContain(`modelmesh_route_deactivations_total{route="bedrock/${model}",reason="error_threshold"} 1\n`);
  });

  it("bounds the series per metric and counts what it dropped", () => {
    const metrics = new ProxyMetrics();
    for (let i = 0; i < 10_002; i++) metrics.rotations.inc({ pool: `pool-${i}`, reason: "server" });
    const text = metrics.registry.render();
    expect(text).toContain('modelmesh_rotations_total{pool="pool-9999",reason="server"} 1\n');
    expect(text).not.toContain('pool="pool-10000"');
    expect(text).toContain('modelmesh_metrics_series_overflow_total{metric="modelmesh_rotations_total"} 2\n');
  });

  it("counts served requests by endpoint and status in /metrics", async () => {
    await chat("/v1/chat/completions");
    const metrics = await send(port, "/metrics", { headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/modelmesh_http_requests_total\{endpoint="chat",status="200"\} \d+/);
    expect(metrics.text).toMatch(/modelmesh_http_requests_total\{endpoint="chat",status="403"\} \d+/);
    expect(metrics.text).toMatch(/modelmesh_http_request_duration_seconds_count\{endpoint="chat"\} \d+/);
    expect(metrics.text).toMatch(/modelmesh_requests_total\{pool="chat",model="p0\.mock-model",provider="p0",outcome="ok"\} \d+/);
  });
});

describe("decision log", () => {
  it("keeps the latest decisions, oldest first", () => {
    const log = new DecisionLog(3);
    const event = (i: number) =>
      ({ type: "request-end", timestamp: i, requestId: `r${i}`, ok: true, latencyMs: 1, attempts: 0, trace: { requested: "chat", attempts: [], candidates: [] } }) as never;
    for (let i = 1; i <= 7; i++) log.record(event(i));
    expect(log.list().map((d) => d.requestId)).toEqual(["r5", "r6", "r7"]);
    log.record(event(8));
    expect(log.list().map((d) => d.requestId)).toEqual(["r6", "r7", "r8"]);
  });
});

describe("client disconnects", () => {
  it("a client gone before the body arrived leaves nothing in flight", async () => {
    const { connect } = await import("node:net");
    for (let i = 0; i < 5; i++) {
      const socket = connect(port, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\nauthorization: Bearer ${TOKEN}\r\ncontent-length: 1000\r\n\r\n{"model":`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      socket.destroy();
    }
    const deadline = Date.now() + 3_000;
    let ready: { inFlight: number } | undefined;
    while (Date.now() < deadline) {
      ready = JSON.parse((await send(port, "/readyz", { headers: { host: `127.0.0.1:${port}` } })).text) as { inFlight: number };
      // The /readyz request itself is in flight while it is answered.
      if (ready.inFlight === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(ready?.inFlight).toBe(1);
  });
});
