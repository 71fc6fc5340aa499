/**
 * `WebhookObservability` against a real receiver on 127.0.0.1: Retry-After, refused batches, the per-POST
 * timeout, bounded retries, close() (flush, and its deadline when the receiver hangs), headers, redaction,
 * and that no header value reaches a report.
 */
import { createManualClock, type MeshEvent } from "@modelmesh/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseRetryAfter, WebhookObservability, type WebhookDeliveryError } from "../src/index.js";
import { startReceiver, until, type Receiver, type Step } from "./support/receiver.js";

const SECRET = "sk-live-webhook-0123456789abcdefghij";
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((item) => item.close()));
});

const event = (id: string, timestamp = Date.UTC(2026, 0, 1)): MeshEvent => ({ type: "request-start", timestamp, requestId: id, requested: "chat-completion", kind: "chat", stream: false });
const ids = (records: Array<Record<string, unknown>>) => records.filter((r) => r.kind === "event").map((r) => r.requestId);

async function receiver(plan: Step[] = [], fallback: Step = 200): Promise<Receiver> {
  const started = await startReceiver(plan, fallback);
  open.push(started);
  return started;
}

function hook(options: ConstructorParameters<typeof WebhookObservability>[0]): WebhookObservability {
  const made = new WebhookObservability(options);
  open.push(made);
  return made;
}

describe("webhook retries", () => {
  it("honours Retry-After (seconds) instead of its own backoff", async () => {
    const clock = createManualClock();
    const sink = await receiver([{ status: 429, headers: { "retry-after": "7" } }, { status: 503, headers: { "retry-after": "2" } }]);
    const h = hook({ url: sink.url, clock, batchSize: 1, retryBackoffMs: 100 });
    h.emit(event("a"));
    await until(() => h.deliveryStats().state === "waiting", "the 429");
    expect(h.deliveryStats().retryAt).toBe(clock.now() + 7000);
    clock.advance(6999);
    expect(clock.pending).toBe(1); // still waiting on the Retry-After timer
    expect(sink.requests).toHaveLength(1);
    clock.advance(1);
    await until(() => sink.requests.length === 2 && h.deliveryStats().state === "waiting", "the 503");
    expect(h.deliveryStats().retryAt).toBe(clock.now() + 2000);
    clock.advance(2000);
    await until(() => sink.delivered().length === 1, "delivery");
    expect(ids(sink.delivered())).toEqual(["a"]);
  });

  it("parses Retry-After dates and caps it", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter("86400", now)).toBe(600_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("drops a batch the receiver refuses with 400, reports it, and goes on with the next", async () => {
    const clock = createManualClock();
    const sink = await receiver([400]);
    const errors: WebhookDeliveryError[] = [];
    const h = hook({ url: sink.url, clock, batchSize: 2, onError: (e) => errors.push(e as WebhookDeliveryError) });
    for (const id of ["a", "b", "c", "d"]) h.emit(event(id));
    await until(() => sink.requests.length === 2 && h.deliveryStats().state === "idle", "both batches");
    expect(ids(sink.delivered())).toEqual(["c", "d"]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: "WebhookDeliveryError", problem: "batch_rejected", status: 400, records: 2 });
    expect(errors[0]!.message).toContain("HTTP 400");
    expect(h.deliveryStats()).toMatchObject({ rejected: 2, sent: 2, retries: 0 });
  });

  it("without onError, a report is one console warning", async () => {
    const sink = await receiver([422]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const h = hook({ url: sink.url, batchSize: 1 });
    h.emit(event("a"));
    await until(() => warn.mock.calls.length === 1, "the warning");
    expect(String(warn.mock.calls[0]![0])).toMatch(/refused a batch of 1 records with HTTP 422/);
  });

  it("retries a POST that outlives `timeout`, and stops after max_retries with a report", async () => {
    const sink = await receiver(["hang", 500, 500]);
    const errors: WebhookDeliveryError[] = [];
    const h = hook({ url: sink.url, batchSize: 1, timeoutMs: 100, retryBackoffMs: 1, maxRetries: 2, onError: (e) => errors.push(e as WebhookDeliveryError) });
    h.emit(event("a"));
    h.emit(event("b"));
    await until(() => sink.delivered().length === 1 && h.deliveryStats().sent === 1, "the next batch");
    expect(sink.requests.map((r) => r.answer)).toEqual(["hang", 500, 500, 200]);
    expect(ids(sink.delivered())).toEqual(["b"]);
    expect(errors.map((e) => e.problem)).toEqual(["retries_exhausted"]);
    expect(errors[0]!.message).toContain("failed 3 times (last: HTTP 500)");
    expect(h.deliveryStats()).toMatchObject({ retries: 2, rejected: 1, sent: 1 });
  });

  it("reports a timeout as the reason when it is the last failure", async () => {
    const sink = await receiver(["hang"]);
    const errors: WebhookDeliveryError[] = [];
    const h = hook({ url: sink.url, batchSize: 1, timeoutMs: 50, maxRetries: 0, onError: (e) => errors.push(e as WebhookDeliveryError) });
    h.emit(event("a"));
    await until(() => errors.length === 1, "the report");
    expect(errors[0]!.message).toContain("no answer within 50ms");
  });
});

describe("webhook batching", () => {
  it("sends a full batch at once and a partial batch after batch_interval", async () => {
    const clock = createManualClock();
    const sink = await receiver();
    const h = hook({ url: sink.url, clock, batchSize: 2, batchIntervalMs: 250 });
    h.emit(event("a"));
    h.emit(event("b"));
    h.emit(event("c"));
    await until(() => sink.requests.length === 1 && h.deliveryStats().state === "idle", "the full batch");
    expect(sink.requests[0]!.body.records.map((r) => r.requestId)).toEqual(["a", "b"]);
    clock.advance(249);
    expect(h.deliveryStats().queued).toBe(1);
    clock.advance(1);
    await until(() => sink.requests.length === 2, "the partial batch");
    expect(sink.requests[1]!.body.records.map((r) => r.requestId)).toEqual(["c"]);
  });
});

describe("webhook close()", () => {
  it("flushes a partial batch at once", async () => {
    const sink = await receiver();
    const h = new WebhookObservability({ url: sink.url, batchSize: 100, batchIntervalMs: 60_000 });
    h.emit(event("a"));
    h.emit(event("b"));
    await h.close();
    expect(ids(sink.delivered())).toEqual(["a", "b"]);
    h.emit(event("late")); // ignored once closed
    expect(h.deliveryStats()).toMatchObject({ queued: 0, sent: 2, undelivered: 0 });
  });

  it("resolves by close_timeout when the receiver hangs, counting and reporting what is left", async () => {
    const sink = await receiver([], "hang");
    const errors: WebhookDeliveryError[] = [];
    const h = new WebhookObservability({ url: sink.url, batchSize: 2, timeoutMs: 60_000, closeTimeoutMs: 300, onError: (e) => errors.push(e as WebhookDeliveryError) });
    for (const id of ["a", "b", "c"]) h.emit(event(id));
    await until(() => sink.requests.length === 1, "the hanging POST");
    const started = performance.now();
    await h.close();
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(h.deliveryStats()).toMatchObject({ undelivered: 3, state: "idle", inFlight: 0, queued: 0 });
    expect(errors.map((e) => e.problem)).toEqual(["undelivered_on_close"]);
    expect(errors[0]!.records).toBe(3);
  });

  it("resolves by close_timeout during a Retry-After wait (manual clock)", async () => {
    const clock = createManualClock();
    const sink = await receiver([{ status: 503, headers: { "retry-after": "60" } }]);
    const h = new WebhookObservability({ url: sink.url, clock, batchSize: 1, closeTimeoutMs: 5000, onError: () => {} });
    h.emit(event("a"));
    await until(() => h.deliveryStats().state === "waiting", "the 503");
    let closed = false;
    const closing = h.close().then(() => (closed = true));
    clock.advance(4999);
    await Promise.resolve();
    expect(closed).toBe(false);
    clock.advance(1);
    await closing;
    expect(h.deliveryStats().undelivered).toBe(1);
    expect(clock.pending).toBe(0); // no timer left behind
  });
});

describe("webhook payloads", () => {
  it("sends the configured headers, JSON content and a batch id", async () => {
    const sink = await receiver();
    const h = hook({ url: sink.url, batchSize: 1, headers: { authorization: `Bearer ${SECRET}`, "x-team": "blue" } });
    h.emit(event("a"));
    await until(() => sink.requests.length === 1, "the POST");
    const headers = sink.requests[0]!.headers;
    expect(headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(headers["x-team"]).toBe("blue");
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["x-modelmesh-batch-id"]).toMatch(/-1$/);
  });

  it("redacts secrets in records before they leave", async () => {
    const sink = await receiver();
    const h = hook({ url: sink.url, batchSize: 2 });
    h.trace({ severity: "error", timestamp: Date.UTC(2026, 0, 1), component: "provider.p", message: `upstream refused Bearer ${SECRET}`, metadata: { apiKey: SECRET, nested: { token: SECRET } } });
    h.emit({ type: "attempt-error", timestamp: Date.UTC(2026, 0, 1), requestId: "r", attempt: 1, routeId: "p/m", category: "auth", code: "MM_AUTH", status: 401, action: "rotate", message: `invalid key ${SECRET}` } as MeshEvent);
    await until(() => sink.requests.length === 1, "the POST");
    expect(sink.requests[0]!.raw).not.toContain(SECRET);
    expect(sink.requests[0]!.body.records.map((r) => r.kind)).toEqual(["trace", "event"]);
  });

  it("never prints a header value or the URL's path in a report", async () => {
    const sink = await receiver([401, 500]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const url = `${sink.url}/${SECRET}?token=${SECRET}`;
    const h = new WebhookObservability({ url, batchSize: 1, maxQueue: 1, maxRetries: 0, headers: { "x-api-key": SECRET } });
    h.emit(event("a"));
    h.emit(event("b")); // queue full → report
    await until(() => warn.mock.calls.length >= 2, "the reports");
    await h.close();
    const printed = [...warn.mock.calls, ...error.mock.calls].flat().map(String).join("\n");
    expect(printed).toContain("127.0.0.1");
    expect(printed).not.toContain(SECRET);
    expect(printed).not.toContain("/hooks/");
    expect(h.origin).toBe(new URL(sink.url).origin);
    expect(JSON.stringify(h)).not.toContain(SECRET); // nothing public holds the URL's path or a header
  });

  it("rejects a bad URL and bad numbers with clear errors", () => {
    expect(() => new WebhookObservability({ url: "not a url" })).toThrow(/url must be an absolute http\(s\) URL/);
    expect(() => new WebhookObservability({ url: "ftp://127.0.0.1/x" })).toThrow(/http or https/);
    expect(() => new WebhookObservability({ url: "http://127.0.0.1/x", batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new WebhookObservability({ url: "http://127.0.0.1/x", timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
