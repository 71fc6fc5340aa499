import type { RouteSnapshot, SelectionResult, SelectionStrategyV1 } from "@modelmesh/core";

/** Connector id of {@link createRoundRobin}. */
export const ROUND_ROBIN_ID = "modelmesh.round-robin.v1";

/**
 * Cycles through the available models in pool order. The cursor is the pool position of the last pick; each
 * request takes the first candidate after it (wrapping), so a member on standby is simply passed over and
 * never stalls the rotation. `select` reads and moves the cursor synchronously, so concurrent requests in one
 * process each get their own turn (100 requests over 3 models: 34, 33, 33). One instance per pool; the cursor
 * is local to this process.
 *
 * @example
 * const strategy = createRoundRobin();
 */
export function createRoundRobin(): SelectionStrategyV1 {
  let lastOrder = -1;
  return {
    specificationVersion: "v1",
    id: ROUND_ROBIN_ID,
    select(candidates: readonly RouteSnapshot[]): SelectionResult | null {
      let next: RouteSnapshot | undefined;
      let first: RouteSnapshot | undefined;
      for (const candidate of candidates) {
        if (first === undefined || candidate.order < first.order) first = candidate;
        if (candidate.order > lastOrder && (next === undefined || candidate.order < next.order)) next = candidate;
      }
      const pick = next ?? first;
      if (pick === undefined) return null;
      const wrapped = next === undefined;
      lastOrder = pick.order;
      return { routeId: pick.routeId, reason: wrapped ? "round-robin: wrapped to the first available" : "round-robin: next available after the last pick" };
    },
  };
}
