import type { RouteSnapshot, SelectionResult, SelectionStrategyV1 } from "@modelmesh/core";

/** Connector id of {@link createLoadBalanced}. */
export const LOAD_BALANCED_ID = "modelmesh.load-balanced.v1";

/** Options of {@link createLoadBalanced}. Config: `pools.<id>.balance_mode`. */
export interface LoadBalancedOptions {
  /**
   * `absolute` (default): equal weights. `relative`: weight ∝ each model's known limit — learned
   * `x-ratelimit-limit-requests` when any candidate has one, else `x-ratelimit-limit-tokens`, else 1.
   */
  mode?: "absolute" | "relative";
  /** Fixed weights by model id or route id; they win over the mode. Unlisted models weigh 1. */
  weights?: Readonly<Record<string, number>>;
}

/**
 * Smooth weighted round-robin (the nginx algorithm) over the candidates: on each pick every candidate's
 * current weight grows by its weight, the largest is chosen and lowered by the total. Over any `Σweights`
 * consecutive picks with the same weights and candidates each model gets exactly its weight, interleaved
 * rather than in bursts. A model that is out for a while keeps its place in the cycle; when a model's weight
 * changes (a newly learned limit), the cycle restarts from zero. `select` is
 * synchronous, so concurrent requests in one process never share a turn.
 *
 * @example
 * const strategy = createLoadBalanced({ mode: "relative" });
 */
export function createLoadBalanced(options: LoadBalancedOptions = {}): SelectionStrategyV1 {
  const mode = options.mode ?? "absolute";
  const current = new Map<string, number>();
  /** Weight each route had at its last turn: a change restarts the cycle. */
  const known = new Map<string, number>();

  const weightsOf = (candidates: readonly RouteSnapshot[]): number[] => {
    const fixed = (c: RouteSnapshot) => options.weights?.[c.modelId] ?? options.weights?.[c.routeId];
    if (mode === "absolute") return candidates.map((c) => fixed(c) ?? 1);
    const byRequests = candidates.some((c) => c.rateLimit?.limitRequests !== undefined);
    const byTokens = !byRequests && candidates.some((c) => c.rateLimit?.limitTokens !== undefined);
    return candidates.map((c) => {
      const learned = byRequests ? c.rateLimit?.limitRequests : byTokens ? c.rateLimit?.limitTokens : undefined;
      const weight = fixed(c) ?? learned ?? 1;
      return weight > 0 ? weight : 1;
    });
  };

  return {
    specificationVersion: "v1",
    id: LOAD_BALANCED_ID,
    select(candidates): SelectionResult | null {
      if (candidates.length === 0) return null;
      const weights = weightsOf(candidates);
      // A candidate missing from this request (standby, tried) keeps its place in the cycle.
      if (candidates.some((c, i) => known.has(c.routeId) && known.get(c.routeId) !== weights[i])) current.clear();
      candidates.forEach((c, i) => known.set(c.routeId, weights[i]!));
      let total = 0;
      let best = -1;
      let bestValue = -Infinity;
      for (let i = 0; i < candidates.length; i++) {
        const id = candidates[i]!.routeId;
        const value = (current.get(id) ?? 0) + weights[i]!;
        current.set(id, value);
        total += weights[i]!;
        if (value > bestValue) {
          best = i;
          bestValue = value;
        }
      }
      const pick = candidates[best]!;
      current.set(pick.routeId, bestValue - total);
      return { routeId: pick.routeId, score: weights[best]! / total, reason: `weighted round-robin (${mode}): weight ${weights[best]} of ${total}` };
    },
    score(candidate) {
      return mode === "absolute" ? 1 : (candidate.rateLimit?.limitRequests ?? candidate.rateLimit?.limitTokens ?? 1);
    },
  };
}
