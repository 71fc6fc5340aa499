import type { RouteIdentity, RouteSnapshot, SelectionContext, SelectionResult, SelectionStrategyV1 } from "../connectors/rotation.js";
import { createStickUntilFailure } from "./stick-until-failure.js";

/** Connector id of {@link createPrioritySelection}. */
export const PRIORITY_SELECTION_ID = "modelmesh.priority-selection.v1";

/** Options of {@link createPrioritySelection}. Config: `pools.<id>.model_priority`, `provider_priority`, `fallback_strategy`. */
export interface PrioritySelectionOptions {
  /** Model ids, most preferred first. */
  modelPriority?: readonly string[];
  /** Provider names, most preferred first; ranks models not named in `modelPriority`. */
  providerPriority?: readonly string[];
  /**
   * Strategy used when no listed model is available, over the unlisted ones.
   * Default: a fresh stick-until-failure.
   */
  fallback?: SelectionStrategyV1;
}

/** Rank of a listed candidate: tier 0 = `modelPriority`, tier 1 = `providerPriority`; lower wins. */
type Rank = readonly [tier: number, index: number];

/**
 * The default selection strategy (docs/routing-defaults.md): always the highest-priority available model. Candidates are ranked by `modelPriority`, then by their
 * provider's place in `providerPriority`, ties on pool order. When neither list is given every member is
 * "listed" in pool order (so the first available member wins). When no listed model is available the
 * `fallback` strategy picks among the unlisted ones. Because it re-ranks on every request, traffic returns to
 * a preferred model as soon as it is a candidate again (including as a half-open probe).
 *
 * @example
 * const strategy = createPrioritySelection({ modelPriority: ["openai.gpt-4o", "groq.llama3"] });
 */
export function createPrioritySelection(options: PrioritySelectionOptions = {}): SelectionStrategyV1 {
  const modelRank = new Map((options.modelPriority ?? []).map((id, index) => [id, index] as const));
  const providerRank = new Map((options.providerPriority ?? []).map((id, index) => [id, index] as const));
  const listsGiven = modelRank.size + providerRank.size > 0;
  const fallback = options.fallback ?? createStickUntilFailure();

  const rankOf = (candidate: RouteIdentity): Rank | undefined => {
    if (!listsGiven) return [0, candidate.order];
    const model = modelRank.get(candidate.modelId);
    if (model !== undefined) return [0, model];
    const provider = providerRank.get(candidate.providerId);
    return provider === undefined ? undefined : [1, provider];
  };

  return {
    specificationVersion: "v1",
    id: PRIORITY_SELECTION_ID,
    select(candidates: readonly RouteSnapshot[], context: SelectionContext): SelectionResult | null {
      let best: RouteSnapshot | undefined;
      let bestRank: Rank | undefined;
      for (const candidate of candidates) {
        const rank = rankOf(candidate);
        if (rank === undefined) continue;
        if (bestRank === undefined || compareRank(rank, bestRank) < 0 || (compareRank(rank, bestRank) === 0 && candidate.order < best!.order)) {
          best = candidate;
          bestRank = rank;
        }
      }
      if (best && bestRank) {
        const what = listsGiven ? (bestRank[0] === 0 ? `model priority #${bestRank[1] + 1}` : `provider priority #${bestRank[1] + 1}`) : "first available in pool order";
        return { routeId: best.routeId, score: scoreOf(bestRank), reason: `highest priority available (${what})` };
      }
      if (candidates.length === 0) return null;
      const pick = fallback.select(candidates, context);
      return pick ? { ...pick, reason: `no listed model available; ${fallback.id}: ${pick.reason}` } : null;
    },
    score(candidate) {
      const rank = rankOf(candidate);
      return rank === undefined ? -3_000_000 - candidate.order : scoreOf(rank);
    },
    staticRank(candidate) {
      const rank = rankOf(candidate);
      return rank === undefined ? undefined : -scoreOf(rank);
    },
    observe(outcome) {
      fallback.observe?.(outcome);
    },
  };
}

function compareRank(a: Rank, b: Rank): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Higher is better, as the trace expects. */
function scoreOf(rank: Rank): number {
  return -(rank[0] * 1_000_000 + rank[1]);
}
