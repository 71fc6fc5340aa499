import type { ModelPricing, TokenUsage } from "../connectors/provider.js";

/** USD cost of a call from per-1M-token prices (plus any per-request fee); 0 without pricing. */
export function costOf(usage: Pick<TokenUsage, "promptTokens" | "completionTokens">, pricing: ModelPricing | undefined): number {
  if (!pricing) return 0;
  return (usage.promptTokens * pricing.inputPerMillion + usage.completionTokens * pricing.outputPerMillion) / 1_000_000 + (pricing.perRequest ?? 0);
}
