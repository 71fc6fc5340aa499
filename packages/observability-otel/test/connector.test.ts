/**
 * The connector on its own: the observability conformance suite, the bound on open spans, close(), secrets,
 * the caller's active span as parent, log(), and event orders a real mesh produces rarely (a stream that ends
 * before its commit, an attempt cut by the deadline).
 */
import type { MeshEvent, RoutingTrace } from "@modelmesh/core";
import { describeObservabilityConformance, PLANTED_SECRET, sampleEvents } from "@modelmesh/testing";
import { context, ROOT_CONTEXT, SpanStatusCode, trace, type Context, type ContextManager } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { createOtelObservability, OtelObservability } from "../src/index.js";
import { collect, counterTotal, endMs, histogramPoints, memoryMetrics, memoryTracing } from "./support/otel.js";

const T = 1_767_225_600_000;

function start(requestId: string, at = T, stream = false): MeshEvent {
  return { type: "request-start", timestamp: at, requestId, requested: "chat", kind: "chat", stream };
}
function attemptStart(requestId: string, attempt: number, at = T + 1): MeshEvent {
  return { type: "attempt-start", timestamp: at, requestId, attempt, routeId: `chat/p${attempt}.m`, providerId: `p${attempt}`, modelId: `p${attempt}.m` };
}
function traceOf(requestId: string, patch: Partial<RoutingTrace> = {}): RoutingTrace {
  return { requestId, requested: "chat", kind: "chat", stream: false, requirements: [], candidates: [], attempts: [], warnings: [], startedAt: T, deadlineMs: 1000, ...patch };
}

describeObservabilityConformance("OtelObservability", {
  create: () => createOtelObservability({ tracerProvider: memoryTracing().provider, meterProvider: memoryMetrics().provider }),
});

describe("open spans are bounded", () => {
  it("evicts the oldest request past maxOpenRequests, ending it and its attempts in error", () => {
    const { provider, exporter } = memoryTracing();
    const otel = createOtelObservability({ tracerProvider: provider, maxOpenRequests: 3, metrics: false });
    for (let i = 0; i < 10; i++) {
      otel.emit(start(`r${i}`, T + i));
      otel.emit(attemptStart(`r${i}`, 1, T + i));
    }
    expect(otel.openRequests).toBe(3);
    const ended = exporter.getFinishedSpans();
    expect(ended).toHaveLength(14); // 7 requests and their 7 attempts
    const requests = ended.filter((s) => s.name === "chat chat");
    expect(requests.map((s) => s.attributes["modelmesh.request.id"])).toEqual(["r0", "r1", "r2", "r3", "r4", "r5", "r6"]);
    for (const span of ended) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/evicted: more than 3 requests/);
      expect(span.attributes["error.type"]).toBe("modelmesh.incomplete");
    }
    // The survivors still end normally.
    otel.emit({ type: "request-end", timestamp: T + 50, requestId: "r9", ok: false, latencyMs: 41, attempts: 1, code: "MM_TIMEOUT_RESPONSE", trace: traceOf("r9") });
    expect(otel.openRequests).toBe(2);
    const r9 = exporter.getFinishedSpans().find((s) => s.attributes["modelmesh.request.id"] === "r9" && s.name === "chat chat")!;
    expect(r9.attributes["error.type"]).toBe("MM_TIMEOUT_RESPONSE");
    expect(endMs(r9)).toBe(T + 50);
  });

  it("rejects a bound that is not a positive integer", () => {
    expect(() => new OtelObservability({ maxOpenRequests: 0 })).toThrow(/maxOpenRequests must be a positive integer/);
    expect(() => new OtelObservability({ maxOpenRequests: 1.5 })).toThrow(TypeError);
  });
});

describe("close()", () => {
  it("ends open spans in error and flushes a batching processor; later events are ignored", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 3_600_000 })] });
    const otel = createOtelObservability({ tracerProvider: provider, metrics: false });
    otel.emit(start("open"));
    otel.emit(attemptStart("open", 1));
    expect(exporter.getFinishedSpans()).toEqual([]);
    await otel.close();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "the connector closed before the request ended" });
      expect(span.attributes["error.type"]).toBe("modelmesh.incomplete");
    }
    otel.emit(start("after"));
    await otel.close();
    await provider.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(2);
    await provider.shutdown();
  });
});

describe("safety", () => {
  it("an SDK that throws goes to onError, and a throwing onError is contained too", () => {
    const broken = { getTracer: () => ({ startSpan: () => { throw new Error("exporter down"); }, startActiveSpan: () => { throw new Error("unused"); } }) };
    const seen: unknown[] = [];
    const otel = createOtelObservability({ tracerProvider: broken as never, metrics: false, onError: (error) => seen.push(error) });
    expect(otel.emit(start("x"))).toBeUndefined();
    expect(seen.map((e) => (e as Error).message)).toEqual(["exporter down"]);
    const loud = createOtelObservability({ tracerProvider: broken as never, metrics: false, onError: () => { throw new Error("handler broke"); } });
    expect(() => loud.emit(start("y"))).not.toThrow();
  });

  it("never puts a credential from an upstream message or a trace on a span", async () => {
    const { provider, exporter } = memoryTracing();
    const otel = createOtelObservability({ tracerProvider: provider, metrics: false });
    for (const event of sampleEvents()) otel.emit(event);
    otel.emit({ type: "warning", timestamp: T, requestId: "req-1", message: `skipped a chunk: Authorization: Bearer ${PLANTED_SECRET}` });
    otel.trace({ severity: "error", timestamp: T, component: "provider.p", message: `sent Bearer ${PLANTED_SECRET}`, metadata: { requestId: "req-1" } });
    otel.emit({ type: "request-end", timestamp: T + 5, requestId: "req-1", ok: false, latencyMs: 5, attempts: 1, code: "MM_AUTH", trace: traceOf("req-1", { attempts: [{ attempt: 1, routeId: "p/m", modelId: "m", providerId: "p", selectedBy: "x", reason: "x", startedAt: T, latencyMs: 1, ok: false, action: "rotate", error: { code: "MM_AUTH", category: "auth", status: 401, message: `key sk-${PLANTED_SECRET} rejected` } }] }) });
    await otel.close();
    const spans = exporter.getFinishedSpans();
    expect(spans.length).toBe(2);
    const failed = spans.find((s) => s.name === "chat m")!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.status.message).toMatch(/^MM_AUTH: upstream said: invalid key/);
    const request = spans.find((s) => s.name === "chat chat-completion")!;
    expect(request.events.map((e) => e.name)).toEqual(["modelmesh.rotation", "modelmesh.warning"]);
    const written = JSON.stringify(spans.map((s) => ({ attributes: s.attributes, status: s.status, events: s.events })));
    expect(written).toContain("invalid key"); // the message is there…
    expect(written).not.toContain(PLANTED_SECRET); // …its credential is not
    expect(written).not.toContain(PLANTED_SECRET.slice(8));
  });
});

/** A synchronous context manager, enough to show that the request span nests under the caller's active span. */
class StackContextManager implements ContextManager {
  #stack: Context[] = [];
  active(): Context {
    return this.#stack.at(-1) ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.#stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#stack.pop();
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#stack = [];
    return this;
  }
}

describe("span relations", () => {
  afterEach(() => context.disable());

  it("a request started under the caller's active span is its child; a resumed stream nests under its request", () => {
    context.setGlobalContextManager(new StackContextManager());
    const { provider, exporter } = memoryTracing();
    const otel = createOtelObservability({ tracerProvider: provider, metrics: false });
    const caller = provider.getTracer("app").startSpan("POST /v1/chat/completions");
    context.with(trace.setSpan(context.active(), caller), () => otel.emit(start("r1", T, true)));
    otel.emit(start("r1.resume", T + 5, true));
    otel.emit({ type: "request-end", timestamp: T + 9, requestId: "r1.resume", ok: false, latencyMs: 4, attempts: 0, code: "MM_NO_CANDIDATES", trace: traceOf("r1.resume") });
    otel.emit({ type: "request-end", timestamp: T + 10, requestId: "r1", ok: false, latencyMs: 10, attempts: 0, code: "MM_NO_CANDIDATES", trace: traceOf("r1") });
    caller.end();
    const spans = exporter.getFinishedSpans();
    const request = spans.find((s) => s.attributes["modelmesh.request.id"] === "r1")!;
    const resumed = spans.find((s) => s.attributes["modelmesh.request.id"] === "r1.resume")!;
    expect(request.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(request.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(resumed.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });
});

describe("event orders", () => {
  it("a stream that ended before its commit ends with the request; its usage is the request's", async () => {
    const { provider, exporter } = memoryTracing();
    const meters = memoryMetrics();
    const otel = createOtelObservability({ tracerProvider: provider, meterProvider: meters.provider });
    otel.emit(start("s", T, true));
    otel.emit(attemptStart("s", 1));
    otel.emit({ type: "stream-end", timestamp: T + 20, requestId: "s", routeId: "chat/p1.m", ok: true, chunks: 0, usage: { prompt_tokens: 7, completion_tokens: 0, total_tokens: 7 } });
    otel.emit({ type: "request-end", timestamp: T + 21, requestId: "s", ok: true, latencyMs: 21, attempts: 1, trace: traceOf("s", { stream: true, final: { routeId: "chat/p1.m", modelId: "p1.m", providerId: "p1", upstreamModel: "m" } }) });
    expect(otel.openRequests).toBe(0);
    const spans = exporter.getFinishedSpans();
    const attempt = spans.find((s) => s.name === "chat p1.m")!;
    const request = spans.find((s) => s.name === "chat chat")!;
    expect(endMs(attempt)).toBe(T + 20);
    expect(endMs(request)).toBe(T + 21);
    expect(request.attributes).toMatchObject({ "gen_ai.usage.input_tokens": 7, "gen_ai.usage.output_tokens": 0, "gen_ai.response.model": "m" });
    expect(attempt.attributes).toMatchObject({ "gen_ai.usage.input_tokens": 7, "gen_ai.response.model": "m" });
    const collected = await collect(meters.reader);
    expect(histogramPoints(collected.get("gen_ai.client.token.usage"), { "gen_ai.token.type": "input" }).map((p) => p.sum)).toEqual([7]);
  });

  it("a stream cut after its commit ends the request in error with the stream's code", () => {
    const { provider, exporter } = memoryTracing();
    const otel = createOtelObservability({ tracerProvider: provider, metrics: false });
    otel.emit(start("c", T, true));
    otel.emit(attemptStart("c", 1));
    otel.emit({ type: "stream-commit", timestamp: T + 5, requestId: "c", routeId: "chat/p1.m", ttftMs: 4 });
    otel.emit({ type: "request-end", timestamp: T + 5, requestId: "c", ok: true, latencyMs: 5, attempts: 1, trace: traceOf("c", { stream: true }) });
    expect(exporter.getFinishedSpans()).toEqual([]);
    otel.emit({ type: "stream-end", timestamp: T + 30, requestId: "c", routeId: "chat/p1.m", ok: false, chunks: 3, code: "MM_STREAM_INTERRUPTED" });
    const [attempt, request] = exporter.getFinishedSpans();
    expect(attempt!.attributes).toMatchObject({ "error.type": "MM_STREAM_INTERRUPTED", "gen_ai.response.time_to_first_chunk": 0.004, "modelmesh.stream.chunks": 3 });
    expect(request!.attributes).toMatchObject({ "error.type": "MM_STREAM_INTERRUPTED", "gen_ai.response.time_to_first_chunk": 0.005 });
    expect(request!.status.code).toBe(SpanStatusCode.ERROR);
    expect(endMs(request!)).toBe(T + 30);
  });

  it("an attempt cut by the deadline (no attempt-error) ends in error with its trace entry's code", () => {
    const { provider, exporter } = memoryTracing();
    const otel = createOtelObservability({ tracerProvider: provider, metrics: false });
    otel.emit(start("d"));
    otel.emit(attemptStart("d", 1));
    otel.emit({
      type: "request-end", timestamp: T + 100, requestId: "d", ok: false, latencyMs: 100, attempts: 1, code: "MM_DEADLINE_EXCEEDED",
      trace: traceOf("d", { attempts: [{ attempt: 1, routeId: "chat/p1.m", modelId: "p1.m", providerId: "p1", selectedBy: "x", reason: "x", startedAt: T + 1, latencyMs: 99, ok: false, action: "deadline", error: { code: "MM_TIMEOUT_RESPONSE", category: "timeout", message: "no answer in 99 ms" } }] }),
    });
    const [attempt, request] = exporter.getFinishedSpans();
    expect(attempt!.attributes).toMatchObject({ "error.type": "MM_TIMEOUT_RESPONSE", "modelmesh.error.category": "timeout", "modelmesh.attempt.action": "deadline" });
    expect(attempt!.status).toEqual({ code: SpanStatusCode.ERROR, message: "MM_TIMEOUT_RESPONSE: no answer in 99 ms" });
    expect(endMs(attempt!)).toBe(T + 100);
    expect(request!.attributes).toMatchObject({ "error.type": "MM_DEADLINE_EXCEEDED", "modelmesh.error.category": "timeout" });
  });
});

describe("captureContent", () => {
  it("maps text, image, tool-call and tool-result parts, and cuts a long prompt at 64 KiB", () => {
    const { provider, exporter } = memoryTracing();
    const otel = createOtelObservability({ tracerProvider: provider, metrics: false, captureContent: true });
    const request = {
      messages: [
        { role: "user", content: [{ type: "text", text: "what is this?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${"A".repeat(1000)}` } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "found", api_key: "sk-should-not-appear-1234567890" },
      ],
    };
    otel.emit({ ...start("c"), request } as MeshEvent);
    otel.emit({ ...start("long"), request: { messages: [{ role: "user", content: "x".repeat(70_000) }] } } as MeshEvent);
    otel.emit({ ...start("embed"), kind: "embeddings", request: { input: "text" } } as MeshEvent);
    void otel.close();
    const [c, long, embed] = exporter.getFinishedSpans();
    expect(JSON.parse(c!.attributes["gen_ai.input.messages"] as string)).toEqual([
      { role: "user", parts: [{ type: "text", content: "what is this?" }, { type: "image_url" }] },
      { role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "lookup", arguments: '{"q":"x"}' }] },
      { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: "found" }] },
    ]);
    const cut = long!.attributes["gen_ai.input.messages"] as string;
    expect(cut.length).toBeLessThan(66 * 1024);
    expect(cut).toMatch(/…\[truncated \d+ characters\]$/);
    expect(embed!.attributes["gen_ai.input.messages"]).toBeUndefined();
  });
});

describe("log()", () => {
  it("adds the cost to the open request's span and to the cost counter", async () => {
    const { provider, exporter } = memoryTracing();
    const meters = memoryMetrics();
    const otel = createOtelObservability({ tracerProvider: provider, meterProvider: meters.provider });
    otel.emit(start("r", T, true));
    otel.log({ timestamp: T, requestId: "r", poolId: "chat", modelId: "p1.m", providerId: "p1", kind: "chat", stream: true, ok: true, latencyMs: 3, attempts: 1, promptTokens: 10, completionTokens: 5, costUsd: 0.0025 });
    otel.log({ timestamp: T, requestId: "gone", kind: "chat", stream: false, ok: true, latencyMs: 3, attempts: 1, promptTokens: 1, completionTokens: 1, costUsd: 0.0005 });
    otel.emit({ type: "request-end", timestamp: T + 3, requestId: "r", ok: false, latencyMs: 3, attempts: 0, code: "MM_SERVER", trace: traceOf("r") });
    expect(exporter.getFinishedSpans()[0]!.attributes["modelmesh.cost_usd"]).toBe(0.0025);
    const collected = await collect(meters.reader);
    expect(counterTotal(collected.get("modelmesh.client.cost"))).toBeCloseTo(0.003, 12);
    expect(counterTotal(collected.get("modelmesh.client.cost"), { "gen_ai.provider.name": "p1", "modelmesh.pool.id": "chat" })).toBeCloseTo(0.0025, 12);
  });
});
