/**
 * WebhookObservability: the BaseObservability pipeline (filter, shape, redact) into batches POSTed as JSON to
 * one URL. Delivery keeps order: one POST in flight, and a failed batch is retried (exponential backoff,
 * `Retry-After` honoured) before any later record is sent. Memory is bounded: at most `maxQueue` records are
 * held (queued plus the batch in flight); beyond that new records are dropped, counted, and reported once per
 * burst (a warning when it starts, a `trace` record in the stream when room is back). Timers run on the
 * connector's clock as background timers, so they never keep a process alive and tests drive them with a
 * manual clock.
 */
import { BaseObservability, type ObservabilityOptions } from "@modelmesh/cdk";

/** Options of {@link WebhookObservability}. */
export interface WebhookObservabilityOptions extends ObservabilityOptions {
  /** Receiver URL (http or https). Required. */
  url: string;
  /** Extra request headers (e.g. an `authorization`). Values are never printed. */
  headers?: Record<string, string>;
  /** Records per POST. Default 100. */
  batchSize?: number;
  /** A partial batch is sent once its oldest record has waited this long (ms). Default 1000. */
  batchIntervalMs?: number;
  /** Records held at most (queued + in flight); new records beyond it are dropped and counted. Default 10 000. */
  maxQueue?: number;
  /** Bound of one POST, response body included (ms). Default 10 000. */
  timeoutMs?: number;
  /** Bound of `close()` flushing what is queued (ms). Default 5000. */
  closeTimeoutMs?: number;
  /** Retries of one batch before it is dropped with a report. Default: no limit (until `close()`). */
  maxRetries?: number;
  /** First retry delay (ms); doubles per retry of the same batch. Default 500. */
  retryBackoffMs?: number;
  /** Cap of the exponential retry delay (ms). Default 30 000. A `Retry-After` is honoured up to 10 minutes. */
  maxBackoffMs?: number;
}

/** What went wrong, as reported to `onError` (or printed once per problem when there is no `onError`). */
export type WebhookProblem = "queue_full" | "batch_rejected" | "retries_exhausted" | "undelivered_on_close";

/** A delivery problem of the webhook sink. Its message names the receiver's origin only: never a path, query or header. */
export class WebhookDeliveryError extends Error {
  override readonly name = "WebhookDeliveryError";
  constructor(
    /** Which problem. */
    readonly problem: WebhookProblem,
    message: string,
    /** Records lost by this problem (for `queue_full`: 0 when reported, the burst's total is in the trace record). */
    readonly records: number,
    /** HTTP status, when the receiver answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Delivery counters and state of a {@link WebhookObservability}. */
export interface WebhookDeliveryStats {
  /** Records waiting for a batch. */
  queued: number;
  /** Records of the batch being sent or waiting to be retried. */
  inFlight: number;
  /** `idle`, `sending` (a POST is open) or `waiting` (for a retry). */
  state: "idle" | "sending" | "waiting";
  /** Clock time of the next retry while `waiting`. */
  retryAt: number | undefined;
  /** Records the receiver accepted. */
  sent: number;
  /** Successful POSTs. */
  batches: number;
  /** Retries so far (all batches). */
  retries: number;
  /** Records dropped because the queue was full. */
  dropped: number;
  /** Records of batches the receiver refused (4xx other than 408/429) or that ran out of retries. */
  rejected: number;
  /** Records still held when `close()` reached its deadline. */
  undelivered: number;
}

const MAX_RETRY_AFTER_MS = 600_000;

interface Entry {
  line: string;
  at: number;
}

interface Batch {
  lines: string[];
  id: string;
  retries: number;
}

type Outcome = { kind: "ok" } | { kind: "retry"; reason: string; retryAfterMs?: number; status?: number } | { kind: "rejected"; status: number } | { kind: "stopped" };

/** Batching, ordered, bounded JSON webhook sink. */
export class WebhookObservability extends BaseObservability {
  /** The receiver's origin (scheme, host, port): the URL's path and query may hold a token, so they stay private. */
  readonly origin: string;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #batchSize: number;
  readonly #batchIntervalMs: number;
  readonly #maxQueue: number;
  readonly #timeoutMs: number;
  readonly #closeTimeoutMs: number;
  readonly #maxRetries: number;
  readonly #retryBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #batchPrefix: string;
  #batchSeq = 0;

  #queue: Entry[] = [];
  #batch: Batch | undefined;
  #pumping = false;
  #state: WebhookDeliveryStats["state"] = "idle";
  #retryAt: number | undefined;
  #cancelBatchTimer: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #abort: AbortController | undefined;
  #flushing = false;
  #stopped = false;
  #closing: Promise<void> | undefined;
  #idleWaiters: (() => void)[] = [];
  #burstDrops = 0;
  readonly #counts = { sent: 0, batches: 0, retries: 0, dropped: 0, rejected: 0, undelivered: 0 };

  constructor(options: WebhookObservabilityOptions) {
    super({ id: "modelmesh.webhook.v1", ...options });
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new TypeError("[modelmesh] [observability:webhook] url must be an absolute http(s) URL");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new TypeError(`[modelmesh] [observability:webhook] url must use http or https, got ${parsed.protocol}`);
    if (typeof globalThis.fetch !== "function") throw new TypeError("[modelmesh] [observability:webhook] needs a global fetch (Node >= 18, Bun, Deno, browsers)");
    this.#url = options.url;
    this.origin = parsed.origin;
    this.#headers = { ...(options.headers ?? {}) };
    this.#batchSize = positiveInt("batchSize", options.batchSize ?? 100);
    this.#batchIntervalMs = nonNegative("batchIntervalMs", options.batchIntervalMs ?? 1000);
    this.#maxQueue = positiveInt("maxQueue", options.maxQueue ?? 10_000);
    this.#timeoutMs = positive("timeoutMs", options.timeoutMs ?? 10_000);
    this.#closeTimeoutMs = nonNegative("closeTimeoutMs", options.closeTimeoutMs ?? 5000);
    this.#maxRetries = options.maxRetries === undefined ? Infinity : nonNegativeInt("maxRetries", options.maxRetries);
    this.#retryBackoffMs = nonNegative("retryBackoffMs", options.retryBackoffMs ?? 500);
    this.#maxBackoffMs = nonNegative("maxBackoffMs", options.maxBackoffMs ?? 30_000);
    this.#batchPrefix = randomId();
  }

  /** Delivery counters and state. */
  deliveryStats(): WebhookDeliveryStats {
    return { queued: this.#queue.length, inFlight: this.#batch?.lines.length ?? 0, state: this.#state, retryAt: this.#retryAt, ...this.#counts };
  }

  /**
   * Sends everything queued (partial batches too) and stops: resolves when the queue is delivered or after
   * `closeTimeoutMs`, whichever comes first; what is still held then is counted as `undelivered` and reported.
   * Records arriving after the flush are ignored.
   */
  override close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  protected override write(line: string): void {
    if (this.#stopped) return;
    if (this.#held() >= this.#maxQueue) {
      this.#counts.dropped++;
      if (this.#burstDrops++ === 0) {
        this.#report(new WebhookDeliveryError("queue_full", `[modelmesh] [observability:${this.id}] queue full (${this.#maxQueue} records) while ${this.origin} is not keeping up: dropping new records until there is room; the number dropped follows in a trace record`, 0));
      }
      return;
    }
    this.#queue.push({ line, at: this.clock.now() });
    this.#kick();
  }

  #held(): number {
    return this.#queue.length + (this.#batch?.lines.length ?? 0);
  }

  /** A send is due: a full batch, a flush, or the oldest record waited `batchIntervalMs`. */
  #due(): boolean {
    const oldest = this.#queue[0];
    if (!oldest) return false;
    return this.#flushing || this.#queue.length >= this.#batchSize || this.clock.now() - oldest.at >= this.#batchIntervalMs;
  }

  #kick(): void {
    if (this.#pumping || this.#stopped) return;
    if (this.#batch || this.#due()) {
      this.#cancelBatchTimer?.();
      this.#cancelBatchTimer = undefined;
      this.#pumping = true;
      void this.#pump().finally(() => {
        this.#pumping = false;
        this.#state = "idle";
        this.#armTimer();
        this.#checkIdle();
      });
      return;
    }
    this.#armTimer();
  }

  #armTimer(): void {
    const oldest = this.#queue[0];
    if (!oldest || this.#cancelBatchTimer || this.#stopped || this.#pumping) return;
    const delay = Math.max(0, oldest.at + this.#batchIntervalMs - this.clock.now());
    this.#cancelBatchTimer = this.clock.setTimer(
      () => {
        this.#cancelBatchTimer = undefined;
        this.#kick();
      },
      delay,
      { background: true },
    );
  }

  async #pump(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      if (!this.#batch) {
        if (!this.#due()) return;
        this.#batch = { lines: this.#queue.splice(0, this.#batchSize).map((entry) => entry.line), id: `${this.#batchPrefix}-${++this.#batchSeq}`, retries: 0 };
      }
      const batch = this.#batch;
      this.#state = "sending";
      const outcome = await this.#post(batch);
      if (outcome.kind === "stopped" || this.#stopped) return;
      if (outcome.kind === "ok") {
        this.#counts.sent += batch.lines.length;
        this.#counts.batches++;
        this.#settle();
        continue;
      }
      if (outcome.kind === "rejected") {
        this.#counts.rejected += batch.lines.length;
        this.#report(new WebhookDeliveryError("batch_rejected", `[modelmesh] [observability:${this.id}] ${this.origin} refused a batch of ${batch.lines.length} records with HTTP ${outcome.status}; the batch is dropped (a retry would be refused too)`, batch.lines.length, outcome.status));
        this.#settle();
        continue;
      }
      if (batch.retries >= this.#maxRetries) {
        this.#counts.rejected += batch.lines.length;
        this.#report(new WebhookDeliveryError("retries_exhausted", `[modelmesh] [observability:${this.id}] a batch of ${batch.lines.length} records to ${this.origin} failed ${batch.retries + 1} times (last: ${outcome.reason}); the batch is dropped`, batch.lines.length, outcome.status));
        this.#settle();
        continue;
      }
      const delay = outcome.retryAfterMs ?? Math.min(this.#maxBackoffMs, this.#retryBackoffMs * 2 ** batch.retries);
      batch.retries++;
      this.#counts.retries++;
      this.#state = "waiting";
      this.#retryAt = this.clock.now() + delay;
      await this.#wait(delay);
      this.#retryAt = undefined;
    }
  }

  /** The batch is done (delivered or dropped): room is back, so a drop burst ends with its trace record. */
  #settle(): void {
    this.#batch = undefined;
    if (this.#burstDrops === 0) return;
    const dropped = this.#burstDrops;
    this.#burstDrops = 0;
    // Written straight into the queue, in order, whatever `min_severity` is: the receiver must learn of the gap.
    const record = {
      kind: "trace",
      timestamp: new Date(this.clock.now()).toISOString(),
      severity: "warning",
      component: `observability.${this.id}`,
      message: `dropped ${dropped} records: the queue was full (max ${this.#maxQueue})`,
      metadata: { dropped, droppedTotal: this.#counts.dropped, maxQueue: this.#maxQueue },
    };
    this.#queue.push({ line: JSON.stringify(record), at: this.clock.now() });
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.clock.setTimer(() => finish(), ms, { background: true });
      const finish = () => {
        cancel();
        this.#wake = undefined;
        resolve();
      };
      this.#wake = finish;
    });
  }

  async #post(batch: Batch): Promise<Outcome> {
    const controller = new AbortController();
    this.#abort = controller;
    let timedOut = false;
    const cancelTimeout = this.clock.setTimer(
      () => {
        timedOut = true;
        controller.abort();
      },
      this.#timeoutMs,
      { background: true },
    );
    try {
      const response = await fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.#headers, "x-modelmesh-batch-id": batch.id },
        body: `{"records":[${batch.lines.join(",")}]}`,
        signal: controller.signal,
        // A redirect would resend the headers (credentials) to wherever it points: refuse it instead.
        redirect: "manual",
      });
      await response.arrayBuffer().catch(() => undefined);
      if (timedOut) return { kind: "retry", reason: `no answer within ${this.#timeoutMs}ms` };
      if (response.status >= 200 && response.status < 300) return { kind: "ok" };
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), this.clock.now());
        return { kind: "retry", reason: `HTTP ${response.status}`, status: response.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      return { kind: "rejected", status: response.status };
    } catch (error) {
      if (this.#stopped) return { kind: "stopped" };
      if (timedOut) return { kind: "retry", reason: `no answer within ${this.#timeoutMs}ms` };
      return { kind: "retry", reason: networkReason(error) };
    } finally {
      cancelTimeout();
      this.#abort = undefined;
    }
  }

  async #close(): Promise<void> {
    this.#flushing = true;
    this.#cancelBatchTimer?.();
    this.#cancelBatchTimer = undefined;
    this.#kick();
    let cancelDeadline: () => void = () => {};
    const deadline = new Promise<void>((resolve) => {
      // Request-scoped (not background): a script awaiting close() is not ended before it settles.
      cancelDeadline = this.clock.setTimer(resolve, this.#closeTimeoutMs);
    });
    const drained = new Promise<void>((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
    await Promise.race([drained, deadline]);
    cancelDeadline();
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
    const left = this.#held();
    this.#queue = [];
    this.#batch = undefined;
    this.#state = "idle";
    this.#retryAt = undefined;
    if (left > 0) {
      this.#counts.undelivered += left;
      this.#report(new WebhookDeliveryError("undelivered_on_close", `[modelmesh] [observability:${this.id}] close() reached its ${this.#closeTimeoutMs}ms deadline with ${left} records not delivered to ${this.origin}`, left));
    }
  }

  #checkIdle(): void {
    if (this.#pumping || this.#held() > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #report(error: WebhookDeliveryError): void {
    if (this.options.onError) {
      try {
        this.options.onError(error);
      } catch {
        // The error handler itself failed; there is nowhere left to report it.
      }
      return;
    }
    console.warn(error.message);
  }
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; capped at 10 minutes. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - nowMs;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code ? `network error ${code}` : "network error";
}

function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function positiveInt(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new TypeError(`[modelmesh] [observability:webhook] ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 0)) throw new TypeError(`[modelmesh] [observability:webhook] ${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`[modelmesh] [observability:webhook] ${name} must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new TypeError(`[modelmesh] [observability:webhook] ${name} must be a non-negative number of milliseconds, got ${String(value)}`);
  return value;
}
