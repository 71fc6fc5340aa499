/**
 * The SSE parser against hostile input: linear work for one endless line (it used to rescan and re-join its
 * whole buffer on every chunk), and a per-event size limit that stops reading (MM_RESPONSE_TOO_LARGE) instead
 * of buffering an endless line.
 */
import { isModelMeshError } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_EVENT_SIZE, parseSse, SseLineParser, type SseEvent } from "../../src/sse/parse-sse.js";

const encoder = new TextEncoder();
const KB = 1024;
const MB = 1024 * 1024;

/** Yields `count` chunks made by `chunk(i)`, recording how many were pulled and whether the source was closed. */
function source(count: number, chunk: (i: number) => string) {
  const state = { pulled: 0, closed: false };
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      for (let i = 0; i < count; i++) {
        state.pulled++;
        yield encoder.encode(chunk(i));
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, body: generate() };
}

async function collect(events: AsyncIterable<SseEvent>): Promise<{ events: SseEvent[]; error: unknown }> {
  const out: SseEvent[] = [];
  try {
    for await (const event of events) out.push(event);
    return { events: out, error: undefined };
  } catch (error) {
    return { events: out, error };
  }
}

describe("linear parsing", () => {
  it("a 10 MB single line in 1 KB chunks is scanned once (work O(n)), as fast as 10 MB of short events", () => {
    const piece = "a".repeat(KB);
    const chunks = 10 * KB; // 10 MB
    const single = new SseLineParser();
    const startedSingle = performance.now();
    let early = 0;
    early += single.push("data: ").length;
    for (let i = 0; i < chunks; i++) early += single.push(piece).length;
    const [event] = single.push("\n\n");
    expect(early).toBe(0);
    const singleMs = performance.now() - startedSingle;
    expect(event!.data.length).toBe(10 * MB);
    // Every character examined once: never a rescan of the growing line.
    expect(single.scanned).toBeLessThanOrEqual(10 * MB + 8);

    const many = new SseLineParser();
    const line = `data: ${"a".repeat(KB - 8)}\n\n`;
    const startedMany = performance.now();
    let count = 0;
    for (let i = 0; i < chunks; i++) count += many.push(line).length;
    const manyMs = performance.now() - startedMany;
    expect(count).toBe(chunks);
    expect(many.scanned).toBeLessThanOrEqual(chunks * line.length);
    // Same input size, same order of time (generous: 10×, plus 100 ms of slack for GC and JIT).
    expect(singleMs, `single line ${singleMs} ms, many events ${manyMs} ms`).toBeLessThan(10 * manyMs + 100);
  });
});

describe("the event size limit", () => {
  it("parseSse stops an endless line at 1 MiB by default: MM_RESPONSE_TOO_LARGE, the source is closed", async () => {
    // Up to 50 MB of one line: the parser must give up long before the source runs dry.
    const { state, body } = source(50 * KB, (i) => (i === 0 ? "data: " : "a".repeat(KB)));
    const { events, error } = await collect(parseSse(body));
    expect(events).toEqual([]);
    expect(isModelMeshError(error)).toBe(true);
    expect(error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", category: "server", retryable: false, metadata: { limitBytes: DEFAULT_MAX_EVENT_SIZE } });
    expect((error as Error).message).toMatch(/stream event is larger than 1MB/);
    expect(state.pulled).toBeLessThanOrEqual(DEFAULT_MAX_EVENT_SIZE / KB + 2);
    expect(state.closed).toBe(true);
  });

  it("counts an event's data lines together, bounds comment lines too, and names the provider", async () => {
    const context = { provider: "p0", model: "m" };
    // 40 data lines of 1 KB in one event: over a 32 KB limit.
    const lines = source(40, () => `data: ${"b".repeat(KB)}\n`);
    const tooMany = await collect(parseSse(lines.body, { maxEventSize: 32 * KB, context }));
    expect(tooMany.error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE", provider: "p0", model: "m" });
    expect((tooMany.error as Error).message).toContain("[provider p0]");
    // An endless comment line is bounded as well.
    const comment = source(1_000, (i) => (i === 0 ? ":" : "c".repeat(KB)));
    expect((await collect(parseSse(comment.body, { maxEventSize: 32 * KB }))).error).toMatchObject({ code: "MM_RESPONSE_TOO_LARGE" });
    expect(comment.state.pulled).toBeLessThanOrEqual(34);
  });

  it("is per event: many events under the limit pass, whatever their total", async () => {
    const { body } = source(200, (i) => `data: ${String(i).padStart(4, "0")}${"e".repeat(KB)}\n\n`);
    const { events, error } = await collect(parseSse(body, { maxEventSize: 2 * KB }));
    expect(error).toBeUndefined();
    expect(events).toHaveLength(200);
    // The limit counts the event's lines (field names included): exactly the limit passes, one more does not.
    const exact = new SseLineParser({ maxEventSize: 16 });
    expect(exact.push("event: x\ndata: 01\n\ndata: 0123456789\n\n")).toEqual([{ event: "x", data: "01" }, { data: "0123456789" }]);
    expect(() => new SseLineParser({ maxEventSize: 16 }).push("event: x\ndata: 012\n\n")).toThrow(expect.objectContaining({ code: "MM_RESPONSE_TOO_LARGE" }));
  });
});
