import type { RouteSnapshot, SelectionResult, SelectionStrategyV1 } from "@modelmesh/core";

/** Connector id of {@link createLatencyFirst}. */
export const LATENCY_FIRST_ID = "modelmesh.latency-first.v1";

/** Options of {@link createLatencyFirst}. */
export interface LatencyFirstOptions {
  /**
   * How long a pick of an unmeasured model counts as "exploring it" when no outcome is observed (the ledger
   * refused the attempt, or the caller cancelled). Default 30 000 ms.
   */
  explorationLeaseMs?: number;
}

/** Exploration requests of one unmeasured route that have not reported back yet. */
interface Exploration {
  pending: number;
  /** Time of the last exploratory pick (epoch ms). */
  at: number;
}

/**
 * The model with the lowest recent latency: the ledger's latency EWMA (α 0.3, successes only), shared by
 * every pool and instance. Models with no sample yet are explored first, in pool order, one exploratory
 * request at a time each, so that every model gets measured; while they are being measured the other
 * requests go to the fastest measured model. When nothing is measured yet (a cold start under concurrency),
 * requests spread over the unmeasured models, fewest pending first. Ties break on pool order.
 *
 * @example
 * const strategy = createLatencyFirst();
 */
export function createLatencyFirst(options: LatencyFirstOptions = {}): SelectionStrategyV1 {
  const leaseMs = options.explorationLeaseMs ?? 30_000;
  const exploring = new Map<string, Exploration>();

  const pendingOf = (routeId: string, now: number): number => {
    const entry = exploring.get(routeId);
    if (entry === undefined) return 0;
    if (now - entry.at >= leaseMs) {
      exploring.delete(routeId);
      return 0;
    }
    return entry.pending;
  };

  const explore = (candidate: RouteSnapshot, now: number, reason: string): SelectionResult => {
    const entry = exploring.get(candidate.routeId);
    if (entry) {
      entry.pending++;
      entry.at = now;
    } else exploring.set(candidate.routeId, { pending: 1, at: now });
    return { routeId: candidate.routeId, reason };
  };

  return {
    specificationVersion: "v1",
    id: LATENCY_FIRST_ID,
    select(candidates, context): SelectionResult | null {
      let fastest: RouteSnapshot | undefined;
      let idle: RouteSnapshot | undefined;
      let leastPending: { candidate: RouteSnapshot; pending: number } | undefined;
      for (const candidate of candidates) {
        const ewma = candidate.latencyEwmaMs;
        if (ewma !== undefined) {
          if (fastest === undefined || ewma < fastest.latencyEwmaMs! || (ewma === fastest.latencyEwmaMs && candidate.order < fastest.order)) fastest = candidate;
          continue;
        }
        const pending = pendingOf(candidate.routeId, context.now);
        if (pending === 0 && (idle === undefined || candidate.order < idle.order)) idle = candidate;
        if (leastPending === undefined || pending < leastPending.pending || (pending === leastPending.pending && candidate.order < leastPending.candidate.order)) {
          leastPending = { candidate, pending };
        }
      }
      if (idle) return explore(idle, context.now, "latency-first: exploring an unmeasured model");
      if (fastest) return { routeId: fastest.routeId, score: -fastest.latencyEwmaMs!, reason: `lowest latency EWMA (${Math.round(fastest.latencyEwmaMs!)} ms)` };
      if (leastPending) return explore(leastPending.candidate, context.now, "latency-first: nothing measured yet; spreading over unmeasured models");
      return null;
    },
    score(candidate) {
      return candidate.latencyEwmaMs === undefined ? 0 : -candidate.latencyEwmaMs;
    },
    observe(outcome) {
      const entry = exploring.get(outcome.routeId);
      if (entry === undefined) return;
      if (--entry.pending <= 0) exploring.delete(outcome.routeId);
    },
  };
}
