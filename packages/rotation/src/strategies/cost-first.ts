import type { RouteSnapshot, SelectionContext, SelectionResult, SelectionStrategyV1 } from "@modelmesh/core";

/** Connector id of {@link createCostFirst}. */
export const COST_FIRST_ID = "modelmesh.cost-first.v1";

/** Options of {@link createCostFirst}. */
export interface CostFirstOptions {
  /** Output tokens assumed when the request sets neither `max_completion_tokens` nor `max_tokens`. Default 256. */
  expectedOutputTokens?: number;
}

/** Score given to a model without a declared price (after every priced one). */
const UNPRICED_SCORE = -1e12;

/**
 * The cheapest available model. The price of a request is estimated from the declared prices:
 * `(estimated prompt tokens · input + expected output tokens · output) / 1M + per request`, with the output
 * taken from `max_completion_tokens` / `max_tokens` (else `expectedOutputTokens`). Models without a declared
 * price rank after every priced one; equal prices break on the spend accumulated today (`usage.costDay`,
 * from the ledger), then on pool order. A local model priced at 0 always wins.
 *
 * @example
 * const strategy = createCostFirst({ expectedOutputTokens: 512 });
 */
export function createCostFirst(options: CostFirstOptions = {}): SelectionStrategyV1 {
  const expectedOutput = options.expectedOutputTokens ?? 256;

  const priceOf = (candidate: RouteSnapshot, context: SelectionContext): number | undefined => {
    const pricing = candidate.pricing;
    if (pricing === undefined) return undefined;
    const output = outputTokens(context.request) ?? expectedOutput;
    return (context.estimatedPromptTokens * pricing.inputPerMillion + output * pricing.outputPerMillion) / 1_000_000 + (pricing.perRequest ?? 0);
  };

  return {
    specificationVersion: "v1",
    id: COST_FIRST_ID,
    select(candidates, context): SelectionResult | null {
      let best: { candidate: RouteSnapshot; price: number | undefined } | undefined;
      for (const candidate of candidates) {
        const price = priceOf(candidate, context);
        if (best === undefined || cheaper(candidate, price, best.candidate, best.price)) best = { candidate, price };
      }
      if (best === undefined) return null;
      const { candidate, price } = best;
      const reason = price === undefined ? "no priced model available; least accumulated cost among unpriced" : `cheapest: ~$${price.toPrecision(3)} for this request (declared price)`;
      return { routeId: candidate.routeId, score: price === undefined ? UNPRICED_SCORE : -price, reason };
    },
    score(candidate, context) {
      const price = priceOf(candidate, context);
      return price === undefined ? UNPRICED_SCORE : -price;
    },
  };
}

/** True when `a` (price `pa`) ranks before `b` (price `pb`). */
function cheaper(a: RouteSnapshot, pa: number | undefined, b: RouteSnapshot, pb: number | undefined): boolean {
  if (pa !== undefined && pb === undefined) return true;
  if (pa === undefined && pb !== undefined) return false;
  if (pa !== undefined && pb !== undefined && pa !== pb) return pa < pb;
  if (a.usage.costDay !== b.usage.costDay) return a.usage.costDay < b.usage.costDay;
  return a.order < b.order;
}

function outputTokens(request: SelectionContext["request"]): number | undefined {
  const r = request as { max_completion_tokens?: unknown; max_tokens?: unknown };
  const value = typeof r.max_completion_tokens === "number" ? r.max_completion_tokens : r.max_tokens;
  return typeof value === "number" && value >= 0 ? value : undefined;
}
