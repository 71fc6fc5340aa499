/**
 * The Prometheus registry (text exposition 0.0.4: exact lines, label escaping, series and label-length bounds)
 * and `PrometheusObservability` turning a handful of mesh events and a request log into metrics.
 */
import type { MeshEvent, RequestLogEntry, RoutingTrace } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { MetricsRegistry, PrometheusObservability } from "../src/index.js";

const now = Date.UTC(2026, 0, 1);

/** The sample lines of a metric family (no HELP/TYPE). */
const samples = (text: string, name: string) => text.split("\n").filter((line) => line.startsWith(name));

describe("MetricsRegistry", () => {
  it("renders counters, gauges and histograms in the text format", () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter("demo_requests_total", "Requests.", ["pool", "outcome"]);
    const gauge = registry.gauge("demo_in_flight", "In flight.");
    const histogram = registry.histogram("demo_latency_seconds", "Latency.", ["pool"], [0.1, 1]);
    counter.inc({ pool: "chat", outcome: "success" });
    counter.labels("chat", "success").inc(2);
    counter.inc({ pool: "chat", outcome: "error" }, -1); // negative: ignored, no series
    gauge.set({}, 3);
    gauge.add({}, -1);
    histogram.observe({ pool: "chat" }, 0.05);
    histogram.observe({ pool: "chat" }, 0.5);
    histogram.observe({ pool: "chat" }, 5);
    expect(registry.render()).toBe(
      [
        "# HELP demo_requests_total Requests.",
        "# TYPE demo_requests_total counter",
        'demo_requests_total{pool="chat",outcome="success"} 3',
        "# HELP demo_in_flight In flight.",
        "# TYPE demo_in_flight gauge",
        "demo_in_flight 2",
        "# HELP demo_latency_seconds Latency.",
        "# TYPE demo_latency_seconds histogram",
        'demo_latency_seconds_bucket{pool="chat",le="0.1"} 1',
        'demo_latency_seconds_bucket{pool="chat",le="1"} 2',
        'demo_latency_seconds_bucket{pool="chat",le="+Inf"} 3',
        'demo_latency_seconds_sum{pool="chat"} 5.55',
        'demo_latency_seconds_count{pool="chat"} 3',
        "",
      ].join("\n"),
    );
  });

  it("escapes backslashes, quotes and newlines in label values and help text", () => {
    const registry = new MetricsRegistry();
    registry.counter("demo_total", "Line one\nback\\slash.", ["model"]).inc({ model: 'a"b\\c\nd' });
    expect(registry.render()).toBe('# HELP demo_total Line one\\nback\\\\slash.\n# TYPE demo_total counter\ndemo_total{model="a\\"b\\\\c\\nd"} 1\n');
  });

  it("keeps at most maxSeries label sets per metric and counts the overflow", () => {
    const registry = new MetricsRegistry({ maxSeries: 2, overflowMetric: "demo_overflow_total" });
    const counter = registry.counter("demo_total", "Demo.", ["model"]);
    const histogram = registry.histogram("demo_seconds", "Demo.", ["model"], [1]);
    for (const model of ["a", "b", "c", "d", "a"]) {
      counter.inc({ model });
      histogram.labels(model).observe(0.5);
    }
    const text = registry.render();
    expect(samples(text, "demo_total")).toEqual(['demo_total{model="a"} 2', 'demo_total{model="b"} 1']);
    expect(samples(text, "demo_seconds_count")).toEqual(['demo_seconds_count{model="a"} 2', 'demo_seconds_count{model="b"} 1']);
    expect(samples(text, "demo_overflow_total")).toEqual(['demo_overflow_total{metric="demo_total"} 2', 'demo_overflow_total{metric="demo_seconds"} 2']);
    expect(registry.overflowCount("demo_total")).toBe(2);
  });

  it("omits the overflow counter until something overflows", () => {
    const registry = new MetricsRegistry({ maxSeries: 2 });
    registry.counter("demo_total", "Demo.").inc();
    expect(registry.render()).not.toContain("overflow");
  });

  it("cuts long label values", () => {
    const registry = new MetricsRegistry({ maxLabelLength: 8 });
    registry.counter("demo_total", "Demo.", ["model"]).inc({ model: "x".repeat(100) });
    expect(samples(registry.render(), "demo_total")).toEqual([`demo_total{model="${"x".repeat(7)}…"} 1`]);
  });

  it("rejects invalid names and conflicting registrations; a matching one is shared", () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter("bad-name", "x")).toThrow(/invalid metric name 'bad-name'/);
    expect(() => registry.counter("ok_total", "x", ["bad-label"])).toThrow(/invalid label name 'bad-label'/);
    const first = registry.counter("ok_total", "x", ["a"]);
    expect(registry.counter("ok_total", "x", ["a"])).toBe(first);
    expect(() => registry.gauge("ok_total", "x", ["a"])).toThrow(/already registered as a counter/);
    expect(() => new MetricsRegistry({ maxSeries: 0 })).toThrow(/maxSeries must be a positive integer/);
  });
});

function trace(partial: Partial<RoutingTrace>): RoutingTrace {
  return { requestId: "r", requested: "chat", kind: "chat", stream: false, requirements: [], candidates: [], attempts: [], warnings: [], startedAt: now, deadlineMs: 60_000, ...partial };
}

function attempt(n: number, providerId: string, modelId: string, ok: boolean, category?: "server" | "rate_limit") {
  return {
    attempt: n, routeId: `${providerId}/${modelId}`, providerId, modelId, selectedBy: "priority", reason: "first", startedAt: now, latencyMs: 10, ok,
    action: ok ? ("success" as const) : ("rotate" as const),
    ...(category ? { error: { code: "MM_SERVER" as const, category, message: "x" } } : {}),
  };
}

/** A failover request (a 5xx on openai, then anthropic answers), a failed one, tokens, a log with cost and route state changes. */
function feed(prom: PrometheusObservability): void {
  const events: MeshEvent[] = [
    { type: "attempt-start", timestamp: now, requestId: "r1", attempt: 1, routeId: "openai/gpt-4o", providerId: "openai", modelId: "gpt-4o" },
    { type: "attempt-start", timestamp: now, requestId: "r1", attempt: 2, routeId: "anthropic/claude", providerId: "anthropic", modelId: "claude" },
    { type: "attempt-end", timestamp: now, requestId: "r1", attempt: 2, routeId: "anthropic/claude", latencyMs: 300, promptTokens: 12, completionTokens: 30 },
    {
      type: "request-end", timestamp: now, requestId: "r1", ok: true, latencyMs: 400, attempts: 2,
      trace: trace({ resolution: { kind: "pool", poolId: "chat" }, attempts: [attempt(1, "openai", "gpt-4o", false, "server"), attempt(2, "anthropic", "claude", true)], final: { routeId: "anthropic/claude", modelId: "claude", providerId: "anthropic", upstreamModel: "claude" } }),
    },
    { type: "stream-end", timestamp: now, requestId: "r2", routeId: "anthropic/claude", ok: true, chunks: 3, usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
    {
      type: "request-end", timestamp: now, requestId: "r3", ok: false, latencyMs: 2000, attempts: 1, code: "MM_RATE_LIMIT",
      trace: trace({ resolution: { kind: "pool", poolId: "chat" }, attempts: [attempt(1, "openai", "gpt-4o", false, "rate_limit")] }),
    },
    { type: "route-deactivated", timestamp: now, routeId: "openai/gpt-4o", reason: "error_threshold", cooldownLevel: 1 },
    { type: "route-recovered", timestamp: now, routeId: "openai/gpt-4o", trigger: "probe_success", halfOpen: false },
  ] as MeshEvent[];
  for (const event of events) prom.emit(event);
  const log: RequestLogEntry = { timestamp: now, requestId: "r1", poolId: "chat", modelId: "claude", providerId: "anthropic", kind: "chat", stream: false, ok: true, latencyMs: 400, attempts: 2, promptTokens: 12, completionTokens: 30, costUsd: 0.0025 };
  prom.log(log);
}

describe("PrometheusObservability", () => {
  it("turns events and logs into exact series", () => {
    const prom = new PrometheusObservability({ latencyBuckets: [0.5, 1] });
    feed(prom);
    const text = prom.render();
    expect(samples(text, "modelmesh_requests_total")).toEqual([
      'modelmesh_requests_total{pool="chat",model="claude",provider="anthropic",outcome="success"} 1',
      'modelmesh_requests_total{pool="chat",model="gpt-4o",provider="openai",outcome="error"} 1',
    ]);
    expect(samples(text, "modelmesh_attempts_total")).toEqual([
      'modelmesh_attempts_total{pool="chat",model="gpt-4o",provider="openai",outcome="error"} 2',
      'modelmesh_attempts_total{pool="chat",model="claude",provider="anthropic",outcome="success"} 1',
    ]);
    expect(samples(text, "modelmesh_errors_total")).toEqual([
      'modelmesh_errors_total{pool="chat",model="gpt-4o",provider="openai",category="server"} 1',
      'modelmesh_errors_total{pool="chat",model="gpt-4o",provider="openai",category="rate_limit"} 1',
    ]);
    expect(samples(text, "modelmesh_request_duration_seconds")).toEqual([
      'modelmesh_request_duration_seconds_bucket{pool="chat",model="claude",provider="anthropic",outcome="success",le="0.5"} 1',
      'modelmesh_request_duration_seconds_bucket{pool="chat",model="claude",provider="anthropic",outcome="success",le="1"} 1',
      'modelmesh_request_duration_seconds_bucket{pool="chat",model="claude",provider="anthropic",outcome="success",le="+Inf"} 1',
      'modelmesh_request_duration_seconds_sum{pool="chat",model="claude",provider="anthropic",outcome="success"} 0.4',
      'modelmesh_request_duration_seconds_count{pool="chat",model="claude",provider="anthropic",outcome="success"} 1',
      'modelmesh_request_duration_seconds_bucket{pool="chat",model="gpt-4o",provider="openai",outcome="error",le="0.5"} 0',
      'modelmesh_request_duration_seconds_bucket{pool="chat",model="gpt-4o",provider="openai",outcome="error",le="1"} 0',
      'modelmesh_request_duration_seconds_bucket{pool="chat",model="gpt-4o",provider="openai",outcome="error",le="+Inf"} 1',
      'modelmesh_request_duration_seconds_sum{pool="chat",model="gpt-4o",provider="openai",outcome="error"} 2',
      'modelmesh_request_duration_seconds_count{pool="chat",model="gpt-4o",provider="openai",outcome="error"} 1',
    ]);
    expect(samples(text, "modelmesh_tokens_total")).toEqual([
      'modelmesh_tokens_total{model="claude",provider="anthropic",direction="in"} 17',
      'modelmesh_tokens_total{model="claude",provider="anthropic",direction="out"} 37',
    ]);
    expect(samples(text, "modelmesh_cost_usd_total")).toEqual(['modelmesh_cost_usd_total{pool="chat",model="claude",provider="anthropic"} 0.0025']);
    expect(samples(text, "modelmesh_route_deactivations_total")).toEqual(['modelmesh_route_deactivations_total{route="openai/gpt-4o",reason="error_threshold"} 1']);
    expect(samples(text, "modelmesh_route_recoveries_total")).toEqual(['modelmesh_route_recoveries_total{route="openai/gpt-4o",trigger="probe_success"} 1']);
    expect(text).toContain("# TYPE modelmesh_request_duration_seconds histogram\n");
  });

  it("bounds series per metric and label length, with a namespace", () => {
    const prom = new PrometheusObservability({ namespace: "mm", maxSeries: 1, maxLabelLength: 10 });
    for (const route of ["openai/a-very-long-model-name", "b/c"]) prom.emit({ type: "route-deactivated", timestamp: now, routeId: route, reason: "manual", cooldownLevel: 0 } as MeshEvent);
    const text = prom.render();
    expect(samples(text, "mm_route_deactivations_total")).toEqual(['mm_route_deactivations_total{route="openai/a-…",reason="manual"} 1']);
    expect(samples(text, "mm_metrics_series_overflow_total")).toEqual(['mm_metrics_series_overflow_total{metric="mm_route_deactivations_total"} 1']);
  });

  it("counts only the filtered event types, and never throws on odd input", () => {
    const prom = new PrometheusObservability({ eventFilter: ["route-recovered"] });
    feed(prom);
    const text = prom.render();
    expect(samples(text, "modelmesh_requests_total")).toEqual([]);
    expect(samples(text, "modelmesh_route_recoveries_total")).toHaveLength(1);
    expect(() => prom.emit({ type: "request-end" } as MeshEvent)).not.toThrow();
    expect(() => prom.emit(undefined as unknown as MeshEvent)).not.toThrow();
    expect(() => prom.log({} as RequestLogEntry)).not.toThrow();
  });
});
