/**
 * A streamed request (config path): its span and its attempt's span last until the stream ends, not until the
 * commit (when the router's request-end fires), and the time to the first chunk is recorded on both spans and
 * as the GenAI metric.
 */
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConnectorRegistry, createMesh, type Mesh } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { metrics, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { OTEL_CONNECTORS } from "../src/index.js";
import { collect, endMs, histogramPoints, memoryMetrics, memoryTracing, startMs } from "./support/otel.js";

let first: MockProvider;
let second: MockProvider;
let m: Mesh | undefined;

beforeAll(async () => {
  first = await startMockProvider({ models: [{ id: "model-a" }] });
  second = await startMockProvider({ models: [{ id: "model-b" }] });
});
afterEach(async () => {
  await m?.close();
  trace.disable();
  metrics.disable();
});
afterAll(async () => {
  await first?.close();
  await second?.close();
});

/** Waits (bounded) until the wall clock has moved past `t`, so later timestamps are provably later. */
function pastMs(t: number): number {
  const deadline = Date.now() + 1_000;
  while (Date.now() <= t) if (Date.now() > deadline) throw new Error("clock did not move");
  return Date.now();
}

it("the request span covers the whole stream, after a failover, with the time to first chunk", async () => {
  const tracing = memoryTracing();
  const meters = memoryMetrics();
  trace.setGlobalTracerProvider(tracing.provider);
  metrics.setGlobalMeterProvider(meters.provider);
  first.fault({ model: "model-a", fault: { kind: "status", status: 500 } });
  m = await createMesh(
    `providers:
  first: { connector: openai-compatible, config: { base_url: "${first.url}" }, models: [{ id: model-a, capabilities: [chat-completion] }] }
  second: { connector: openai-compatible, config: { base_url: "${second.url}" }, models: [{ id: model-b, capabilities: [chat-completion] }] }
pools:
  chat: { models: [first.model-a, second.model-b], retry: { max_attempts: 0 } }
observability:
  routing: { connector: otel }
`,
    { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...OTEL_CONNECTORS] }), env: {} },
  );
  const routed = await m.router.chatStream({ model: "chat", messages: [{ role: "user", content: "one two three four five" }], stream: true });
  const iterator = routed.value[Symbol.asyncIterator]();
  const firstChunk = await iterator.next();
  expect(firstChunk.done).toBe(false);
  // Committed: the router's request is over (request-end fired), but the stream is not, so neither is the span.
  expect(routed.trace.endedAt).toBeDefined();
  const names = () => tracing.exporter.getFinishedSpans().map((s) => s.name);
  expect(names()).toEqual(["chat first.model-a"]);
  const later = pastMs(Math.max(Date.now(), routed.trace.endedAt!));
  let text = "";
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) text += next.value.choices[0]?.delta?.content ?? "";
  expect(text).toContain("five");

  const spans = tracing.exporter.getFinishedSpans();
  expect(spans.map((s) => s.name).sort()).toEqual(["chat chat", "chat first.model-a", "chat second.model-b"]);
  const request = spans.find((s) => s.name === "chat chat")!;
  const streamed = spans.find((s) => s.name === "chat second.model-b")!;
  expect(streamed.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  expect(request.status.code).not.toBe(SpanStatusCode.ERROR);
  expect(request.attributes).toMatchObject({ "modelmesh.stream": true, "gen_ai.response.model": "model-b", "gen_ai.provider.name": "second", "modelmesh.attempts": 2 });
  expect(streamed.attributes["modelmesh.stream.chunks"]).toBeGreaterThan(0);
  // Usage from the stream's final chunk (the mock counts words): on the attempt and the request.
  expect(streamed.attributes).toMatchObject({ "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": expect.any(Number) });
  expect(request.attributes["gen_ai.usage.output_tokens"]).toBe(streamed.attributes["gen_ai.usage.output_tokens"]);

  // The spans end with the stream, after the commit.
  expect(startMs(request)).toBe(routed.trace.startedAt);
  expect(endMs(request)).toBeGreaterThanOrEqual(later);
  expect(endMs(streamed)).toBeGreaterThanOrEqual(later);
  expect(endMs(request)).toBeGreaterThan(routed.trace.endedAt!);

  // Time to first chunk: on the request (from its start) and on the attempt (from the attempt's start).
  const ttfcRequest = request.attributes["gen_ai.response.time_to_first_chunk"] as number;
  const ttfcAttempt = streamed.attributes["gen_ai.response.time_to_first_chunk"] as number;
  expect(typeof ttfcRequest).toBe("number");
  expect(ttfcRequest).toBeGreaterThanOrEqual(0);
  expect(ttfcRequest * 1000).toBeLessThanOrEqual(routed.trace.endedAt! - routed.trace.startedAt + 1e-6);
  expect(ttfcAttempt).toBeLessThanOrEqual(ttfcRequest + 1e-9);
  const collected = await collect(meters.reader);
  const ttfc = histogramPoints(collected.get("gen_ai.client.operation.time_to_first_chunk"), { "gen_ai.operation.name": "chat", "gen_ai.provider.name": "second" });
  expect(ttfc.map((p) => p.count)).toEqual([1]);
  expect(ttfc[0]!.sum).toBeCloseTo(ttfcRequest, 9);
  const duration = histogramPoints(collected.get("gen_ai.client.operation.duration"));
  expect(duration.map((p) => p.count)).toEqual([1]);
  expect(duration[0]!.sum).toBeCloseTo((endMs(request) - startMs(request)) / 1000, 6);
});
