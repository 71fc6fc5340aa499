/**
 * ACCEPTANCE of `modelmesh.webhook.v1` against a real receiver on 127.0.0.1: a receiver that fails (HTTP 500,
 * then a dropped connection) and recovers gets every record exactly once and in order; with the receiver
 * down, a bounded queue keeps at most `max_queue` records, counts and reports the drops, and delivers exactly
 * the kept records, in order, once the receiver is back. Timers run on a manual clock.
 */
import { createManualClock, type MeshEvent } from "@modelmesh/core";
import { afterEach, describe, expect, it } from "vitest";
import { WebhookObservability, type WebhookDeliveryError } from "../src/index.js";
import { startReceiver, until, type Receiver } from "./support/receiver.js";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((item) => item.close()));
});

const event = (id: string, timestamp: number): MeshEvent => ({ type: "request-start", timestamp, requestId: id, requested: "chat-completion", kind: "chat", stream: false });
const ids = (records: Array<Record<string, unknown>>) => records.filter((r) => r.kind === "event").map((r) => r.requestId);

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const started = await startReceiver(...args);
  open.push(started);
  return started;
}

describe("webhook delivery through failures", () => {
  it("retries a batch through a 500 and a dropped connection: nothing lost, nothing duplicated, order kept", async () => {
    const clock = createManualClock();
    const sink = await receiver([500, "drop"]);
    const errors: unknown[] = [];
    const hook = new WebhookObservability({ url: sink.url, clock, batchSize: 3, batchIntervalMs: 1000, retryBackoffMs: 100, maxBackoffMs: 1000, onError: (e) => errors.push(e) });
    open.push(hook);

    for (let i = 0; i < 7; i++) hook.emit(event(`req-${i}`, clock.now()));
    // The first full batch goes at once and meets the 500; the next one waits behind it.
    await until(() => sink.requests.length === 1 && hook.deliveryStats().state === "waiting", "the first failure");
    expect(hook.deliveryStats()).toMatchObject({ queued: 4, inFlight: 3, retryAt: clock.now() + 100, retries: 1 });
    clock.advance(99);
    expect(sink.requests).toHaveLength(1); // the backoff has not run out
    clock.advance(1);
    await until(() => sink.requests.length === 2 && hook.deliveryStats().state === "waiting", "the dropped connection");
    expect(hook.deliveryStats().retryAt).toBe(clock.now() + 200); // exponential
    clock.advance(200);
    // The retried batch, then the second full batch; the partial third waits for batch_interval.
    await until(() => sink.delivered().length === 6 && hook.deliveryStats().state === "idle", "the recovery");
    expect(hook.deliveryStats().queued).toBe(1);
    clock.advance(1000);
    await until(() => sink.delivered().length === 7 && hook.deliveryStats().sent === 7, "the partial batch");

    expect(ids(sink.delivered())).toEqual(["req-0", "req-1", "req-2", "req-3", "req-4", "req-5", "req-6"]);
    // The same batch was sent three times (one id), then two more batches.
    const batchIds = sink.requests.map((r) => r.headers["x-modelmesh-batch-id"]);
    expect(new Set(batchIds.slice(0, 3)).size).toBe(1);
    expect(new Set(batchIds).size).toBe(3);
    expect(hook.deliveryStats()).toMatchObject({ sent: 7, batches: 3, retries: 2, dropped: 0, rejected: 0 });
    expect(errors).toEqual([]);
  });

  it("with the receiver down keeps at most max_queue records, counts and reports drops, then delivers exactly the kept ones", async () => {
    const clock = createManualClock();
    const sink = await receiver();
    await sink.stop();
    const errors: WebhookDeliveryError[] = [];
    const K = 5;
    const hook = new WebhookObservability({ url: sink.url, clock, batchSize: 2, maxQueue: K, retryBackoffMs: 100, maxBackoffMs: 400, onError: (e) => errors.push(e as WebhookDeliveryError) });
    open.push(hook);

    let most = 0;
    for (let i = 0; i < 12; i++) {
      hook.emit(event(`e-${i}`, clock.now()));
      const { queued, inFlight } = hook.deliveryStats();
      most = Math.max(most, queued + inFlight);
    }
    expect(most).toBe(K);
    expect(hook.deliveryStats()).toMatchObject({ queued: 3, inFlight: 2, dropped: 7 });
    // Connections are refused: the batch in flight is retried with backoff, the drop burst reported once.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await until(() => hook.deliveryStats().state === "waiting" && hook.deliveryStats().retries === attempt, `retry ${attempt}`);
      hook.emit(event(`late-${attempt}`, clock.now()));
      clock.advance(hook.deliveryStats().retryAt! - clock.now());
    }
    await until(() => hook.deliveryStats().state === "waiting" && hook.deliveryStats().retries === 4, "retry 4");
    expect(hook.deliveryStats().retryAt! - clock.now()).toBe(400); // capped by max_backoff
    expect(hook.deliveryStats()).toMatchObject({ queued: 3, inFlight: 2, dropped: 10, sent: 0 });
    expect(errors.map((e) => e.problem)).toEqual(["queue_full"]);
    expect(errors[0]!.message).toContain("queue full (5 records)");

    await sink.resume();
    clock.advance(400);
    await until(() => sink.delivered().length === K + 1 && hook.deliveryStats().state === "idle", "the kept records and the drop report");
    const delivered = sink.delivered();
    expect(ids(delivered)).toEqual(["e-0", "e-1", "e-2", "e-3", "e-4"]);
    // The gap is reported in the stream, after the kept records, with its size.
    expect(delivered.at(-1)).toMatchObject({ kind: "trace", severity: "warning", metadata: { dropped: 10, droppedTotal: 10, maxQueue: K } });
    expect(hook.deliveryStats()).toMatchObject({ sent: K + 1, dropped: 10, queued: 0, inFlight: 0 });

    // Room again: new records flow, and a new burst would be reported anew.
    hook.emit(event("after", clock.now()));
    hook.emit(event("after-2", clock.now()));
    await until(() => sink.delivered().length === K + 3, "records after recovery");
    expect(ids(sink.delivered()).slice(-2)).toEqual(["after", "after-2"]);
  });
});
