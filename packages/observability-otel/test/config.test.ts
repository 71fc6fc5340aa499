/**
 * Every config key of `modelmesh.otel.v1`, loaded from YAML through `createMesh`: `metrics`, `events`,
 * `max_open_requests` and `capture_content` change what is recorded; the `logging` sink records cost; unknown
 * keys, bad values, the `statistics` sink and event keys in `logging` are rejected naming the key and why; the
 * section keys core owns are accepted.
 */
import { CDK_CONNECTORS } from "@modelmesh/cdk";
import { ConfigError, ConnectorRegistry, createMesh, MeshEventBus, type Mesh } from "@modelmesh/core";
import { startMockProvider, type MockProvider } from "@modelmesh/testing/server";
import { metrics, SpanStatusCode, trace } from "@opentelemetry/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OTEL_CONNECTORS } from "../src/index.js";
import { collect, counterTotal, memoryMetrics, memoryTracing } from "./support/otel.js";

let mock: MockProvider;
const meshes: Mesh[] = [];
const ask = { model: "chat", messages: [{ role: "user" as const, content: "hi" }] };

function yaml(observability: string): string {
  return `providers:
  only:
    connector: openai-compatible
    config: { base_url: "${mock.url}" }
    models: [{ id: model-a, capabilities: [chat-completion], pricing: { input_per_million: 1000, output_per_million: 2000 } }]
pools:
  chat: { models: [only.model-a] }
observability:
${observability}
`;
}

async function mesh(observability: string, options: Parameters<typeof createMesh>[1] = {}): Promise<Mesh> {
  const created = await createMesh(yaml(observability), { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...OTEL_CONNECTORS] }), env: {}, ...options });
  meshes.push(created);
  return created;
}

/** A sink that drops everything (stands in for `null` from @modelmesh/observability, which this package does not depend on). */
const discard = {
  id: "test.discard.v1",
  type: "observability" as const,
  specificationVersion: "v1" as const,
  runtime: "universal" as const,
  create: () => ({ specificationVersion: "v1" as const, id: "test.discard.v1", emit() {}, log() {}, flush() {}, trace() {} }),
};

/** The ConfigError of a config that must not load. */
async function rejected(observability: string): Promise<ConfigError> {
  const error = await mesh(observability).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ConfigError.is(error), String(error)).toBe(true);
  return error as ConfigError;
}

function globalProviders() {
  const tracing = memoryTracing();
  const meters = memoryMetrics();
  trace.setGlobalTracerProvider(tracing.provider);
  metrics.setGlobalMeterProvider(meters.provider);
  return { tracing, meters };
}

beforeAll(async () => {
  mock = await startMockProvider({ models: [{ id: "model-a" }] });
});
afterEach(async () => {
  await Promise.all(meshes.splice(0).map((m) => m.close()));
  trace.disable();
  metrics.disable();
});
afterAll(async () => {
  await mock?.close();
});

describe("keys with an effect", () => {
  it("metrics: true (the default) records metrics; metrics: false records spans only", async () => {
    const on = globalProviders();
    await (await mesh("  routing: { connector: otel }")).router.chat(ask);
    expect([...(await collect(on.meters.reader)).keys()]).toEqual(expect.arrayContaining(["gen_ai.client.operation.duration", "gen_ai.client.token.usage", "modelmesh.client.attempts"]));
    await Promise.all(meshes.splice(0).map((m) => m.close()));
    trace.disable();
    metrics.disable();

    const off = globalProviders();
    await (await mesh("  routing: { connector: otel, metrics: false }")).router.chat(ask);
    expect([...(await collect(off.meters.reader)).keys()]).toEqual([]);
    expect(off.tracing.exporter.getFinishedSpans().map((s) => s.name).sort()).toEqual(["chat chat", "chat only.model-a"]);
  });

  it("events: only the listed event types become telemetry", async () => {
    const { tracing } = globalProviders();
    await (await mesh("  routing: { connector: otel, events: [request-start, request-end] }")).router.chat(ask);
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["chat chat"]); // no attempt-start: no attempt span
    expect(spans[0]!.attributes["gen_ai.response.model"]).toBe("model-a");
  });

  it("events without the attempts' end events: attempts end as the request's trace says", async () => {
    const { tracing } = globalProviders();
    const m = await mesh("  routing: { connector: otel, events: [request-start, attempt-start, request-end] }");
    await m.router.chat(ask);
    const routed = await m.router.chatStream({ ...ask, stream: true });
    for await (const _chunk of routed.value) void _chunk;
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(["chat only.model-a", "chat chat", "chat only.model-a", "chat chat"]);
    for (const span of spans) expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(spans[2]!.attributes).toMatchObject({ "gen_ai.response.model": "model-a", "modelmesh.stream": true });
  });

  it("capture_content: true puts the chat prompt and answer on the request span, secrets redacted", async () => {
    const { tracing } = globalProviders();
    const m = await mesh("  routing: { connector: otel, capture_content: true }");
    const secret = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    await m.router.chat({ model: "chat", messages: [{ role: "system", content: "be brief" }, { role: "user", content: `hello, my key is ${secret}` }] });
    const request = tracing.exporter.getFinishedSpans().find((s) => s.name === "chat chat")!;
    const input = JSON.parse(request.attributes["gen_ai.input.messages"] as string) as Array<{ role: string; parts: Array<{ type: string; content: string }> }>;
    expect(input.map((message) => message.role)).toEqual(["system", "user"]);
    expect(input[0]!.parts).toEqual([{ type: "text", content: "be brief" }]);
    expect(input[1]!.parts[0]!.content).toMatch(/^hello, my key is /);
    const output = JSON.parse(request.attributes["gen_ai.output.messages"] as string) as Array<{ role: string; parts: Array<{ type: string; content: string }>; finish_reason: string }>;
    expect(output).toEqual([{ role: "assistant", parts: [{ type: "text", content: expect.stringMatching(/^echo: hello, my key is /) }], finish_reason: "stop" }]);
    expect(request.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
    expect(JSON.stringify(request.attributes)).not.toContain(secret.slice(8));
  });

  it("capture_content is off by default, even when a full request log makes the mesh capture payloads", async () => {
    const { tracing } = globalProviders();
    const m = await mesh("  routing: { connector: otel }\n  logging: { connector: test.discard.v1, level: full }", { registry: new ConnectorRegistry({ connectors: [...CDK_CONNECTORS, ...OTEL_CONNECTORS, discard] }) });
    await m.router.chat(ask);
    const request = tracing.exporter.getFinishedSpans().find((s) => s.name === "chat chat")!;
    expect(request.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]); // the answer was there…
    expect(request.attributes["gen_ai.input.messages"]).toBeUndefined(); // …its content is not on the span
    expect(request.attributes["gen_ai.output.messages"]).toBeUndefined();
  });

  it("the logging sink records each request's cost (from the model's pricing) on modelmesh.client.cost", async () => {
    const { meters, tracing } = globalProviders();
    const m = await mesh("  routing: { connector: otel }\n  logging: { connector: otel }");
    await m.router.chat(ask); // the mock counts 1 prompt word and 2 answer words ("echo: hi")
    const cost = (await collect(meters.reader)).get("modelmesh.client.cost");
    expect(counterTotal(cost, { "gen_ai.provider.name": "only", "modelmesh.pool.id": "chat" })).toBeCloseTo((1 * 1000 + 2 * 2000) / 1_000_000, 12);
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(2); // spans once, from the routing sink only
  });

  it("max_open_requests bounds the requests with open spans", async () => {
    const { tracing } = globalProviders();
    const events = new MeshEventBus();
    await mesh("  routing: { connector: otel, max_open_requests: 2 }", { events });
    for (const id of ["a", "b", "c"]) events.emit({ type: "request-start", timestamp: Date.now(), requestId: id, requested: "chat", kind: "chat", stream: false });
    const evicted = tracing.exporter.getFinishedSpans();
    expect(evicted.map((s) => s.attributes["modelmesh.request.id"])).toEqual(["a"]);
    expect(evicted[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(evicted[0]!.status.message).toMatch(/more than 2 requests/);
  });

  it("loads through connectors.packages as the package's `connector` export", async () => {
    const { tracing } = globalProviders();
    const created = await createMesh(`connectors: { packages: ["@modelmesh/observability-otel"] }\n${yaml("  routing: { connector: opentelemetry }")}`, {
      registry: new ConnectorRegistry({
        connectors: [...CDK_CONNECTORS],
        importer: async (specifier) => {
          if (specifier !== "@modelmesh/observability-otel") throw new Error(`unexpected import ${specifier}`);
          return (await import("../src/index.js")) as Record<string, unknown>;
        },
      }),
      env: {},
    });
    meshes.push(created);
    await created.router.chat(ask);
    expect(tracing.exporter.getFinishedSpans()).toHaveLength(2);
  });
});

describe("keys that are rejected", () => {
  it("capture_content in the logging sink, which receives no events (so no spans)", async () => {
    const error = await rejected("  logging: { connector: otel, capture_content: true }");
    expect(error.issues).toEqual([{ path: "observability.logging.config.capture_content", message: expect.stringMatching(/has no effect in observability.logging: .*Set it in observability.routing/) }]);
    expect((await rejected("  logging: { connector: otel, max_open_requests: 5 }")).issues[0]!.path).toBe("observability.logging.config.max_open_requests");
    expect((await rejected("  logging: { connector: otel, events: [request-end] }")).issues[0]!.path).toBe("observability.logging.config.events");
  });

  it("the statistics sink: the metric SDK aggregates, flushes would add nothing", async () => {
    const error = await rejected("  statistics: { connector: otel }");
    expect(error.issues).toEqual([{ path: "observability.statistics.connector", message: expect.stringMatching(/configure it in observability.routing/) }]);
  });

  it("an unknown key, named", async () => {
    const error = await rejected("  routing: { connector: otel, service_name: api }");
    expect(error.message).toMatch(/service_name/);
  });

  it("an event type the connector does not use, with the list", async () => {
    const error = await rejected("  routing: { connector: otel, events: [request-end, route-deactivated] }");
    expect(error.issues[0]!.path).toBe("observability.routing.config.events.1");
    expect(error.issues[0]!.message).toMatch(/'route-deactivated' is not an event this connector turns into telemetry. Use some of: request-start, .*request-end/);
  });

  it("a bound that is not a positive integer", async () => {
    const error = await rejected("  routing: { connector: otel, max_open_requests: 0 }");
    expect(error.issues[0]!.path).toBe("observability.routing.config.max_open_requests");
    await rejected("  routing: { connector: otel, metrics: sometimes }");
  });

  it("capture_content that is not a boolean", async () => {
    expect((await rejected("  routing: { connector: otel, capture_content: prompts }")).issues[0]!.path).toBe("observability.routing.config.capture_content");
  });
});

describe("section keys core owns", () => {
  it("are accepted in the routing and logging sections", async () => {
    globalProviders();
    await mesh("  logging: { connector: otel, level: full, redact: false, max_payload_size: 1KB }");
    await mesh("  routing: { connector: otel, events: [request-start, request-end, attempt-start] }\n  logging: { connector: opentelemetry, level: summary }");
    expect(meshes).toHaveLength(2);
  });
});
