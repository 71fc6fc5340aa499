import { createManualClock, ModelMeshError } from "@modelmesh/core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { MetricsCollector, metricsMiddleware } from "../../src/mixins/metrics.js";
import { deserialize, loadMsgpack, serialize, SerializationError, type SerializationFormat } from "../../src/mixins/serialization.js";
import { callOptions } from "./upstream.js";

describe("MetricsCollector", () => {
  it("computes counts, error rate, percentiles, histogram and throughput per key", () => {
    const clock = createManualClock();
    const metrics = new MetricsCollector({ bucketsMs: [10, 100], clock, throughputWindowMs: 10_000 });
    for (let i = 1; i <= 100; i++) metrics.record("m", { ok: i % 10 !== 0, latencyMs: i, tokens: 2, errorCode: i % 10 === 0 ? "MM_SERVER" : undefined });
    const s = metrics.snapshot("m");
    expect(s).toMatchObject({ requests: 100, successes: 90, failures: 10, errorRate: 0.1, tokens: 200, errorsByCode: { MM_SERVER: 10 } });
    expect(s.latency).toEqual({ count: 100, minMs: 1, maxMs: 100, meanMs: 50.5, p50Ms: 50, p95Ms: 95, p99Ms: 99 });
    expect(s.histogram).toEqual([
      { le: 10, count: 10 },
      { le: 100, count: 100 },
      { le: Infinity, count: 100 },
    ]);
    expect(s.throughputPerSec).toBe(10);
    clock.advance(11_000);
    expect(metrics.snapshot("m").throughputPerSec).toBe(0);
    expect(metrics.snapshot("other").requests).toBe(0);
    expect(metrics.keys()).toEqual(["m"]);
  });

  it("the middleware records latency and outcome on the injected clock", async () => {
    const clock = createManualClock();
    const measured = metricsMiddleware({ clock });
    const ok = measured(async () => {
      clock.advance(30);
      return { usage: { total_tokens: 12 } };
    });
    const bad = measured(async () => {
      throw new ModelMeshError({ message: "x", code: "MM_AUTH", category: "auth" });
    });
    await ok({ model: "a" }, callOptions());
    await expect(bad({ model: "a" }, callOptions())).rejects.toThrow();
    const s = measured.metrics.snapshot("a");
    expect(s).toMatchObject({ requests: 2, failures: 1, tokens: 12, errorsByCode: { MM_AUTH: 1 } });
    expect(s.latency.maxMs).toBe(30);
  });
});

describe("serialize / deserialize", () => {
  const value = { name: "route", nested: { n: 1.5, ok: true, list: [1, "two", null] } };
  beforeAll(() => loadMsgpack());

  it("msgpack is loaded on demand: before loadMsgpack() it is a typed error saying what to do", async () => {
    vi.resetModules();
    const fresh = await import("../../src/mixins/serialization.js");
    expect(() => fresh.serialize({ a: 1 }, "msgpack")).toThrow(/format 'msgpack' is not loaded: await loadMsgpack\(\) first/);
    await fresh.loadMsgpack();
    expect([...fresh.serialize({ a: 1 }, "msgpack")]).toEqual([0x81, 0xa1, 0x61, 0x01]);
  });
  it.each<SerializationFormat>(["json", "yaml", "msgpack"])("round-trips %s", (format) => {
    const bytes = serialize(value, format);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(deserialize(bytes, format)).toEqual(value);
  });

  it("produces the expected encodings", () => {
    expect(new TextDecoder().decode(serialize({ a: 1 }, "json"))).toBe('{"a":1}');
    expect(new TextDecoder().decode(serialize({ a: 1 }, "yaml"))).toBe("a: 1\n");
    expect([...serialize({ a: 1 }, "msgpack")]).toEqual([0x81, 0xa1, 0x61, 0x01]);
  });

  it("fails with typed errors that never quote the data", () => {
    const secret = new TextEncoder().encode('{"api_key": "sk-verysecretvalue123"');
    const error = (() => {
      try {
        deserialize(secret, "json");
      } catch (e) {
        return e;
      }
    })();
    expect(SerializationError.is(error)).toBe(true);
    expect(String((error as Error).message)).not.toContain("sk-");
    expect((error as Error).cause).toBeUndefined();
    expect(() => serialize(1, "xml" as SerializationFormat)).toThrow(/unknown format 'xml'/);
    expect(() => serialize(undefined, "json")).toThrow(SerializationError);
  });
});
