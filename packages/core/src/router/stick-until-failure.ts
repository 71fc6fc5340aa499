import type { RouteSnapshot, SelectionContext, SelectionResult, SelectionStrategyV1 } from "../connectors/rotation.js";

/** Connector id of the default selection strategy. */
export const STICK_UNTIL_FAILURE_ID = "modelmesh.stick-until-failure.v1";

/**
 * Default selection: keep using the current route while it is a candidate; when it drops out (failure,
 * standby), advance to the next candidate in pool order (wrapping) and stick there.
 * One instance per pool; the "current" route is local to this process.
 */
export function createStickUntilFailure(): SelectionStrategyV1 {
  let current: { routeId: string; order: number } | undefined;
  return {
    specificationVersion: "v1",
    id: STICK_UNTIL_FAILURE_ID,
    select(candidates: readonly RouteSnapshot[], context: SelectionContext): SelectionResult | null {
      if (candidates.length === 0) return null;
      if (current) {
        const sticking = candidates.find((c) => c.routeId === current!.routeId);
        if (sticking) return { routeId: sticking.routeId, reason: "sticking to the current route" };
        if (!context.unavailable.has(current.routeId)) {
          // The current route is healthy but this request needs something it lacks: serve it elsewhere
          // without moving the sticky choice.
          return { routeId: candidates[0]!.routeId, reason: `current route ${current.routeId} does not meet this request's requirements` };
        }
        const after = candidates.find((c) => c.order > current!.order) ?? candidates[0]!;
        const previous = current.routeId;
        current = { routeId: after.routeId, order: after.order };
        return { routeId: after.routeId, reason: `advanced from ${previous}, which is unavailable` };
      }
      const first = candidates[0]!;
      // Only a request that sees the whole pool establishes the sticky choice.
      if (context.requirementFiltered > 0) return { routeId: first.routeId, reason: "first candidate meeting this request's requirements" };
      current = { routeId: first.routeId, order: first.order };
      return { routeId: first.routeId, reason: "first available in pool order" };
    },
  };
}
