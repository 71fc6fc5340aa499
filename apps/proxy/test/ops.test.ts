/** Health, metrics, route state, admin actions, the dry run, the dashboard data endpoints and CORS. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { meshConfig, sdk, start, type Started } from "./support/harness.js";
import { waitFor } from "./support/slow-upstream.js";

let bad: MockProvider;
let good: MockProvider;
let started: Started;
const post = (path: string, body?: unknown) => fetch(`${started.proxy.url}${path}`, { method: "POST", ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
const json = async (path: string) => (await fetch(`${started.proxy.url}${path}`)).json();
const ask = (model = "chat") => sdk(started.proxy).chat.completions.create({ model, messages: [{ role: "user", content: "ping" }] }).withResponse();

beforeAll(async () => {
  bad = await startMockProvider();
  good = await startMockProvider();
});
afterAll(async () => {
  await bad.close();
  await good.close();
});
beforeEach(async () => {
  bad.reset();
  good.reset();
  await started?.proxy.close();
  started = await start(
    meshConfig([bad.url, good.url], { proxy: { cors: { origins: ["https://app.example"] } } }, { pricing: { input_per_million: 1, output_per_million: 2 } }),
  );
});
afterAll(() => started?.proxy.close());

describe("route health", () => {
  it("reflects a deactivation after injected failures, and the metrics follow", async () => {
    bad.fault({ fault: { kind: "status", status: 503 } });
    const { response } = await ask();
    expect(response.headers.get("x-modelmesh-provider")).toBe("p1");
    // The pool now sticks to p1; asking for p0's model directly adds failures until its threshold (3).
    const direct = await ask("p0.mock-model").catch((e) => e);
    expect(direct.status).toBe(502);
    const health = await json("/v1/routes/health");
    const route = health.routes.find((r: { routeId: string }) => r.routeId === "p0/p0.mock-model");
    expect(route).toMatchObject({ status: "standby", circuit: "open", reason: "error_threshold", pools: expect.arrayContaining(["chat"]) });
    expect(route.standbyUntil).toBeGreaterThan(Date.now());
    expect(route.quota.usage.requestsDay).toBeGreaterThan(0);
    expect(health.routes.find((r: { routeId: string }) => r.routeId === "p1/p1.mock-model")).toMatchObject({ status: "active", circuit: "closed" });
    expect(health.providers).toEqual(expect.arrayContaining([expect.objectContaining({ providerId: "p0", status: "active" })]));
    const metrics = await (await fetch(`${started.proxy.url}/metrics`)).text();
    expect(metrics).toContain('modelmesh_route_up{route="p0/p0.mock-model",model="p0.mock-model",provider="p0"} 0');
    expect(metrics).toContain('modelmesh_route_circuit_state{route="p0/p0.mock-model"} 2');
    expect(metrics).toMatch(/modelmesh_route_deactivations_total\{route="p0\/p0.mock-model",reason="error_threshold"\} 1/);
    expect(metrics).toMatch(/modelmesh_attempt_errors_total\{model="p0.mock-model",provider="p0",category="server",code="MM_SERVER"\} \d/);
    expect(metrics).toMatch(/modelmesh_rotations_total\{pool="chat",reason="server"\} \d/);
  });
});

describe("metrics", () => {
  it("is Prometheus text: HELP and TYPE for every family, well-formed samples", async () => {
    await ask();
    const stream = await sdk(started.proxy).chat.completions.create({ model: "chat", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "a b c" }] });
    for await (const _chunk of stream) void _chunk;
    const response = await fetch(`${started.proxy.url}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = new Map<string, { help: boolean; type?: string }>();
    for (const line of text.split("\n").filter(Boolean)) {
      const meta = /^# (HELP|TYPE) (\w+) (.+)$/.exec(line);
      if (meta) {
        const family = families.get(meta[2]!) ?? { help: false };
        if (meta[1] === "HELP") family.help = true;
        else family.type = meta[3];
        families.set(meta[2]!, family);
        continue;
      }
      const sample = /^(\w+)(\{(\w+="(?:[^"\\]|\\.)*",?)*\})? (-?[\d.e+-]+|\+Inf|NaN)$/.exec(line);
      expect(sample, line).not.toBeNull();
      const name = sample![1]!.replace(/_(bucket|sum|count)$/, "");
      expect(families.has(sample![1]!) || families.get(name)?.type === "histogram", line).toBe(true);
    }
    for (const [name, family] of families) {
      expect(family.help, name).toBe(true);
      expect(["counter", "gauge", "histogram"], name).toContain(family.type);
    }
    for (const name of ["modelmesh_requests_total", "modelmesh_request_errors_total", "modelmesh_attempts_total", "modelmesh_rotations_total", "modelmesh_tokens_total", "modelmesh_cost_usd_total", "modelmesh_request_duration_seconds", "modelmesh_http_in_flight_requests", "modelmesh_route_up"]) {
      expect(families.has(name), name).toBe(true);
    }
    expect(text).toMatch(/modelmesh_requests_total\{pool="chat",model="p0.mock-model",provider="p0",outcome="ok"\} 2/);
    expect(text).toMatch(/modelmesh_request_duration_seconds_bucket\{pool="chat",model="p0.mock-model",provider="p0",le="\+Inf"\} 2/);
    // Non-streamed usage comes from the core's attempt-end event, streamed usage from the relayed stream.
    expect(text).toMatch(/modelmesh_tokens_total\{model="p0.mock-model",provider="p0",type="prompt"\} 4/);
    expect(text).toMatch(/modelmesh_cost_usd_total\{model="p0.mock-model",provider="p0"\} [\d.e-]+/);
    expect(text).toMatch(/modelmesh_http_requests_total\{endpoint="chat",status="200"\} 2/);
  });
});

describe("admin", () => {
  const route = encodeURIComponent("p0/p0.mock-model");

  it("deactivates and reactivates a route", async () => {
    const off = await (await post(`/admin/routes/${route}/deactivate`, { reason: "maintenance_window" })).json();
    expect(off.route).toMatchObject({ status: "standby", reason: "maintenance_window" });
    expect((await ask()).response.headers.get("x-modelmesh-provider")).toBe("p1");
    expect(bad.calls).toHaveLength(0);
    const refused = await ask("p0.mock-model").catch((e) => e);
    expect(refused.status).toBe(503);
    expect(refused.code).toBe("no_candidates");
    const on = await (await post(`/admin/routes/${route}/reactivate`)).json();
    expect(on.route).toMatchObject({ status: "active", circuit: "closed" });
    expect((await ask("p0.mock-model")).response.headers.get("x-modelmesh-provider")).toBe("p0");
  });

  it("accepts a model id instead of a route id, and a timed standby", async () => {
    const until = Date.now() + 60_000;
    const off = await (await post("/admin/routes/p0.mock-model/deactivate", { until })).json();
    expect(off.route).toMatchObject({ status: "standby", reason: "manual", standbyUntil: until });
    expect((await post("/admin/routes/nope/deactivate")).status).toBe(404);
    expect((await post(`/admin/routes/${route}/deactivate`, { reason: "error_rate" })).status).toBe(400);
  });

  it("deactivates and reactivates a provider", async () => {
    const off = await (await post("/admin/providers/p0/deactivate")).json();
    expect(off.provider).toMatchObject({ providerId: "p0", status: "standby", reason: "manual" });
    expect((await ask()).response.headers.get("x-modelmesh-provider")).toBe("p1");
    await expect(ask("p0.mock-model")).rejects.toMatchObject({ status: 503 });
    await post("/admin/providers/p0/reactivate");
    expect((await ask("p0.mock-model")).response.headers.get("x-modelmesh-provider")).toBe("p0");
    expect((await post("/admin/providers/zz/deactivate")).status).toBe(404);
  });

  it("explains where a request would go, without calling upstream", async () => {
    await post("/admin/providers/p0/deactivate");
    const response = await post("/admin/explain", { model: "chat", messages: [{ role: "user", content: "hi" }] });
    const trace = await response.json();
    expect(trace.resolution).toMatchObject({ kind: "pool", poolId: "chat" });
    expect(trace.candidates).toEqual([
      expect.objectContaining({ routeId: "p0/p0.mock-model", excluded: expect.objectContaining({ stage: "state" }) }),
      expect.objectContaining({ routeId: "p1/p1.mock-model" }),
    ]);
    expect(trace.final).toMatchObject({ routeId: "p1/p1.mock-model", upstreamModel: "mock-model" });
    expect(response.headers.get("x-modelmesh-provider")).toBe("p1");
    expect(bad.calls.length + good.calls.length).toBe(0);
    const embeddings = await (await post("/admin/explain", { kind: "embeddings", model: "chat", input: "x" })).json();
    expect(embeddings.final).toBeUndefined();
    expect(embeddings.candidates.every((c: { excluded?: unknown }) => c.excluded)).toBe(true);
  });

  it("serves the dashboard state: pools, routes, providers, last decisions", async () => {
    bad.fault({ fault: { kind: "status", status: 500 } });
    await ask();
    const state = await json("/admin/state");
    expect(state.pools).toEqual(expect.arrayContaining([expect.objectContaining({ id: "chat", members: ["p0/p0.mock-model", "p1/p1.mock-model"] })]));
    expect(state.routes).toHaveLength(2);
    expect(state.providers).toHaveLength(2);
    const decision = state.decisions.at(-1);
    expect(decision).toMatchObject({ requested: "chat", pool: "chat", route: "p1/p1.mock-model", ok: true });
    expect(decision.attempts).toBeGreaterThanOrEqual(2);
    expect(decision.reasons[0]).toMatch(/^p0\/p0.mock-model: server 500/);
    expect((await fetch(`${started.proxy.url}/dashboard`)).headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("streams the core's events as SSE", async () => {
    const controller = new AbortController();
    const response = await fetch(`${started.proxy.url}/admin/events`, { signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    await ask();
    await waitFor(async () => {
      text += decoder.decode((await reader.read()).value ?? new Uint8Array());
      return text.includes('"type":"request-end"');
    });
    const types = text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => JSON.parse(e.slice(6)).type);
    expect(types).toEqual(expect.arrayContaining(["request-start", "route-selected", "attempt-start", "attempt-end", "request-end"]));
    controller.abort();
  });
});

describe("health and CORS", () => {
  it("healthz and readyz answer", async () => {
    expect(await json("/healthz")).toMatchObject({ status: "ok" });
    expect(await json("/readyz")).toMatchObject({ status: "ready" });
  });

  it("answers preflights and exposes the routing headers to listed origins only", async () => {
    const preflight = await fetch(`${started.proxy.url}/v1/chat/completions`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-headers": "authorization, content-type" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const { response } = await sdk(started.proxy).chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x" }] }, { headers: { origin: "https://app.example" } }).withResponse();
    expect(response.headers.get("access-control-expose-headers")).toContain("x-modelmesh-provider");
    const other = await fetch(`${started.proxy.url}/healthz`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
