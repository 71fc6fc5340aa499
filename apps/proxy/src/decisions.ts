/** The last routing decisions (for `/admin/state` and the dashboard), built from the core's `request-end` events. */
import type { RequestEndEvent, RoutingTrace } from "@modelmesh/core";

/** One routing decision, newest last in {@link DecisionLog.list}. */
export interface RoutingDecision {
  /** When the request ended (epoch ms; for streams: when it committed or failed before committing). */
  at: number;
  requestId: string;
  /** The `model` the client asked for. */
  requested: string;
  /** The pool it resolved to. */
  pool?: string;
  /** The route that answered (or the last one tried). */
  route?: string;
  attempts: number;
  ok: boolean;
  /** Error code when it failed. */
  code?: string;
  /** Why routes were skipped or left: failed attempts, then state/requirement exclusions. */
  reasons: string[];
}

/** Short human-readable reasons from a trace: each failed attempt, then each excluded candidate. */
export function reasonsOf(trace: RoutingTrace): string[] {
  const reasons: string[] = [];
  for (const attempt of trace.attempts) {
    if (attempt.error) reasons.push(`${attempt.routeId}: ${attempt.error.category}${attempt.error.status ? ` ${attempt.error.status}` : ""} → ${attempt.action}`);
  }
  for (const candidate of trace.candidates) {
    if (candidate.excluded) reasons.push(`${candidate.routeId}: excluded (${candidate.excluded.stage}) ${candidate.excluded.reason}`);
  }
  return reasons;
}

/** A fixed-size ring of the latest decisions. */
export class DecisionLog {
  readonly #capacity: number;
  readonly #items: RoutingDecision[] = [];
  /** Where the next decision goes once the ring is full (the oldest one). */
  #next = 0;

  constructor(capacity = 100) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Records a finished request. */
  record(event: RequestEndEvent): void {
    const trace = event.trace;
    const decision: RoutingDecision = {
      at: event.timestamp,
      requestId: event.requestId,
      requested: trace.requested,
      attempts: event.attempts,
      ok: event.ok,
      reasons: reasonsOf(trace),
    };
    if (trace.resolution?.poolId) decision.pool = trace.resolution.poolId;
    const route = trace.final?.routeId ?? trace.attempts.at(-1)?.routeId;
    if (route) decision.route = route;
    if (event.code) decision.code = event.code;
    if (this.#items.length < this.#capacity) {
      this.#items.push(decision);
      return;
    }
    this.#items[this.#next] = decision;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** The recorded decisions, oldest first. */
  list(): RoutingDecision[] {
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}
