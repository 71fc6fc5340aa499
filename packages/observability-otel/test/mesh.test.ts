/**
 * Acceptance: a real mesh over two mock providers on 127.0.0.1, the first answering 500 so the request fails
 * over. Its events become one CLIENT span per request with one child span per upstream attempt (GenAI
 * attributes, the failed attempt in error), and the GenAI metrics — through the config path
 * (`observability.routing.connector: otel`, global providers) and the code path (an instance on the bus).
 */
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh, MeshEventBus, type Mesh } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { metrics, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOtelObservability, OTEL_CONNECTORS } from "../src/index.js";
import { collect, counterTotal, endMs, histogramPoints, memoryMetrics, memoryTracing, startMs } from "./support/otel.js";

let first: MockProvider;
let second: MockProvider;
const meshes: Mesh[] = [];
const registry = () => new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...OTEL_CONNECTORS] });
const ask = { model: "chat", messages: [{ role: "user" as const, content: "hello there" }] };

/** Two providers in one pool, `first` listed first, no same-route retry; `observability` is appended as given. */
function yaml(observability = ""): string {
  return `providers:
  first:
    connector: openai-compatible
    config: { base_url: "${first.url}" }
    models:
      - { id: model-a, capabilities: [chat-completion] }
  second:
    connector: openai-compatible
    config: { base_url: "${second.url}" }
    models:
      - { id: model-b, capabilities: [chat-completion] }
pools:
  chat:
    models: [first.model-a, second.model-b]
    retry: { max_attempts: 0 }
${observability}`;
}

async function mesh(source: string, options: Parameters<typeof createMesh>[1] = {}): Promise<Mesh> {
  const created = await createMesh(source, { registry: registry(), env: {}, ...options });
  meshes.push(created);
  return created;
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

beforeAll(async () => {
  first = await startMockProvider({ models: [{ id: "model-a" }] });
  second = await startMockProvider({ models: [{ id: "model-b" }] });
});
beforeEach(() => {
  first.fault({ model: "model-a", fault: { kind: "status", status: 500 } });
});
afterEach(async () => {
  await Promise.all(meshes.splice(0).map((m) => m.close()));
  first.reset();
  second.reset();
  trace.disable();
  metrics.disable();
});
afterAll(async () => {
  await first?.close();
  await second?.close();
});

describe("a failed-over request (config path: observability.routing.connector: otel)", () => {
  it("is one request span with two attempt spans, the first in error, GenAI attributes on each", async () => {
    const tracing = memoryTracing();
    const meters = memoryMetrics();
    expect(trace.setGlobalTracerProvider(tracing.provider)).toBe(true);
    expect(metrics.setGlobalMeterProvider(meters.provider)).toBe(true);
    const m = await mesh(yaml("observability:\n  routing: { connector: otel }\n"));

    const routed = await m.router.chat(ask);
    expect(routed.trace.attempts.map((a) => a.ok)).toEqual([false, true]);
    expect(first.calls.filter((c) => c.status === 500).length).toBeGreaterThan(0);

    const spans = tracing.exporter.getFinishedSpans();
    const requests = byName(spans, "chat chat");
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    const attempts = spans.filter((s) => s !== request);
    expect(attempts.map((s) => s.name).sort()).toEqual(["chat first.model-a", "chat second.model-b"]);
    expect(spans).toHaveLength(3);

    // Hierarchy: the request is a root, both attempts are its children in the same trace.
    expect(request.parentSpanContext).toBeUndefined();
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(attempt.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(attempt.kind).toBe(SpanKind.CLIENT);
    }
    expect(request.kind).toBe(SpanKind.CLIENT);

    // The request span: GenAI attributes, the final route, usage, success.
    expect(request.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "chat",
      "gen_ai.response.model": "model-b",
      "gen_ai.provider.name": "second",
      "gen_ai.usage.input_tokens": 2,
      "gen_ai.usage.output_tokens": expect.any(Number),
      "modelmesh.request.id": routed.trace.requestId,
      "modelmesh.pool.id": "chat",
      "modelmesh.route.id": routed.trace.final!.routeId,
      "modelmesh.attempts": 2,
      "modelmesh.stream": false,
    });
    expect(request.attributes["error.type"]).toBeUndefined();
    expect(request.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(request.events.map((e) => e.name)).toContain("modelmesh.rotation");

    // The failed attempt: error status and type (the ModelMesh code), category, HTTP status.
    const failed = byName(attempts, "chat first.model-a")[0]!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.status.message).toMatch(/^MM_\w+/);
    expect(failed.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "first.model-a",
      "gen_ai.provider.name": "first",
      "error.type": routed.trace.attempts[0]!.error!.code,
      "modelmesh.error.category": "server",
      "http.response.status_code": 500,
      "modelmesh.attempt": 1,
      "modelmesh.attempt.action": "rotate",
      "modelmesh.pool.id": "chat",
      "modelmesh.route.id": routed.trace.attempts[0]!.routeId,
    });

    // The successful attempt: provider, models, tokens, no error.
    const ok = byName(attempts, "chat second.model-b")[0]!;
    expect(ok.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(ok.attributes).toMatchObject({
      "gen_ai.request.model": "second.model-b",
      "gen_ai.response.model": "model-b",
      "gen_ai.provider.name": "second",
      "gen_ai.usage.input_tokens": 2,
      "modelmesh.attempt": 2,
    });
    expect(ok.attributes["error.type"]).toBeUndefined();

    // Timing: from the events' timestamps; the attempts lie inside the request, in order.
    expect(startMs(request)).toBe(routed.trace.startedAt);
    expect(endMs(request)).toBe(routed.trace.endedAt);
    expect(startMs(failed)).toBeGreaterThanOrEqual(startMs(request));
    expect(startMs(ok)).toBeGreaterThanOrEqual(endMs(failed));
    expect(endMs(ok)).toBeLessThanOrEqual(endMs(request));

    // Metrics on the global meter provider.
    const collected = await collect(meters.reader);
    const duration = histogramPoints(collected.get("gen_ai.client.operation.duration"), { "gen_ai.operation.name": "chat", "gen_ai.request.model": "chat" });
    expect(duration).toHaveLength(1);
    expect(duration[0]!.count).toBe(1);
    expect(duration[0]!.attributes).toMatchObject({ "gen_ai.response.model": "model-b", "gen_ai.provider.name": "second" });
    expect(duration[0]!.sum).toBeCloseTo((routed.trace.endedAt! - routed.trace.startedAt) / 1000, 6);
    expect(collected.get("gen_ai.client.operation.duration")!.descriptor.unit).toBe("s");
    expect(histogramPoints(collected.get("gen_ai.client.token.usage"), { "gen_ai.token.type": "input" })[0]!.sum).toBe(2);
    expect(histogramPoints(collected.get("gen_ai.client.token.usage"), { "gen_ai.token.type": "output" })[0]!.count).toBe(1);
    expect(collected.get("gen_ai.client.token.usage")!.descriptor.unit).toBe("{token}");
    const attemptsMetric = collected.get("modelmesh.client.attempts");
    expect(counterTotal(attemptsMetric, { "modelmesh.attempt.outcome": "error", "gen_ai.provider.name": "first", "modelmesh.error.category": "server" })).toBe(1);
    expect(counterTotal(attemptsMetric, { "modelmesh.attempt.outcome": "success", "gen_ai.provider.name": "second" })).toBe(1);
    expect(counterTotal(collected.get("modelmesh.client.failovers"), { "modelmesh.pool.id": "chat", "modelmesh.rotation.reason": "server" })).toBe(1);
  });

  it("a request that fails on every route ends in error with the request's code", async () => {
    const tracing = memoryTracing();
    trace.setGlobalTracerProvider(tracing.provider);
    second.fault({ model: "model-b", fault: { kind: "status", status: 500 } });
    const m = await mesh(yaml("observability:\n  routing: { connector: opentelemetry, metrics: false }\n"));
    const error = await m.router.chat(ask).then(
      () => undefined,
      (e: unknown) => e as { code: string },
    );
    expect(error?.code).toMatch(/^MM_/);
    const spans = tracing.exporter.getFinishedSpans();
    const request = byName(spans, "chat chat")[0]!;
    expect(request.status.code).toBe(SpanStatusCode.ERROR);
    expect(request.attributes["error.type"]).toBe(error!.code);
    expect(request.attributes["modelmesh.error.category"]).toBe("server");
    const attempts = spans.filter((s) => s !== request);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    for (const attempt of attempts) {
      expect(attempt.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
    }
  });
});

describe("the code path (an instance on the mesh's event bus)", () => {
  it("records on the providers it was given, not the global ones", async () => {
    const tracing = memoryTracing();
    const global = memoryTracing();
    trace.setGlobalTracerProvider(global.provider);
    const meters = memoryMetrics();
    const otel = createOtelObservability({ tracerProvider: tracing.provider, meterProvider: meters.provider });
    const events = new MeshEventBus();
    events.on("*", (event) => otel.emit(event));
    const m = await mesh(yaml(), { events });
    await m.router.chat(ask);
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(["chat chat", "chat first.model-a", "chat second.model-b"]);
    expect(global.exporter.getFinishedSpans()).toEqual([]);
    const collected = await collect(meters.reader);
    expect(histogramPoints(collected.get("gen_ai.client.operation.duration"))).toHaveLength(1);
    expect(otel.openRequests).toBe(0);
    await otel.close();
  });
});
