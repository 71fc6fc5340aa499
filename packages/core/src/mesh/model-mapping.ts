import type { ModelDelivery, ModelFeatures, ModelInfo, ModelPricing } from "../connectors/provider.js";
import type { ModelConfig, ProviderEntry } from "../config/schema.js";
import type { CapabilityTreeView } from "../capability/types.js";
import type { QuotaLimits } from "../state/ledger-types.js";
import type { RouterModel } from "../router/types.js";

const FEATURE_KEYS: ReadonlyArray<readonly [string, keyof ModelFeatures]> = [
  ["tool_calling", "toolCalling"],
  ["parallel_tool_calls", "parallelToolCalls"],
  ["vision", "vision"],
  ["audio_input", "audioInput"],
  ["json_mode", "jsonMode"],
  ["structured_output", "structuredOutput"],
  ["system_prompt", "systemPrompt"],
  ["assistant_prefill", "assistantPrefill"],
  ["logprobs", "logprobs"],
  ["reasoning", "reasoning"],
];

/** snake_case config features → camelCase ModelFeatures. */
export function featuresFromConfig(features: Record<string, unknown> | undefined): ModelFeatures {
  const out: ModelFeatures = {};
  if (!features) return out;
  for (const [snake, camel] of FEATURE_KEYS) if (typeof features[snake] === "boolean") out[camel] = features[snake] as boolean;
  return out;
}

/** Config pricing (USD per 1M tokens) → ModelPricing; missing prices default to 0. */
export function pricingFromConfig(pricing: ModelConfig["pricing"]): ModelPricing | undefined {
  if (!pricing) return undefined;
  return { inputPerMillion: pricing.input_per_million ?? 0, outputPerMillion: pricing.output_per_million ?? 0, perRequest: pricing.per_request ?? 0 };
}

/** Quota limits of a model entry. */
export function modelLimits(model: ModelConfig): QuotaLimits | undefined {
  const q = model.quota;
  if (!q) return undefined;
  return { requestsPerMinute: q.requests_per_minute, requestsPerDay: q.requests_per_day, tokensPerMinute: q.tokens_per_minute, tokensPerDay: q.tokens_per_day };
}

/** Quota limits of a provider entry (quota block + budget). */
export function providerLimits(provider: ProviderEntry): QuotaLimits | undefined {
  const q = provider.quota;
  const b = provider.budget;
  if (!q && !b) return undefined;
  return {
    requestsPerMinute: q?.requests_per_minute,
    requestsPerDay: q?.requests_per_day,
    tokensPerMinute: q?.tokens_per_minute,
    tokensPerDay: q?.tokens_per_day,
    costPerDay: b?.daily_limit,
    costPerMonth: b?.monthly_limit,
  };
}

/** Leaves of the provider's declared capabilities (inner nodes expand to nothing: models register at leaves). */
function leavesOf(paths: readonly string[], tree: CapabilityTreeView): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const full = tree.tryResolve(path);
    if (full && tree.isLeaf(full)) out.push(full);
  }
  return out;
}

/**
 * Merges a configured model with what its provider reports for the same upstream id. Precedence:
 * config → provider ModelInfo → provider capabilities. Config wins field by field.
 */
export function toRouterModel(
  id: string,
  providerId: string,
  config: ModelConfig | undefined,
  info: ModelInfo | undefined,
  providerCapabilities: readonly string[],
  tree: CapabilityTreeView,
): RouterModel {
  const upstreamModel = config?.model ?? info?.id ?? id;
  const capabilities = config?.capabilities?.length
    ? leavesOf(config.capabilities, tree)
    : info?.capabilities?.length
      ? leavesOf(info.capabilities, tree)
      : leavesOf(providerCapabilities, tree);
  const delivery: ModelDelivery = { synchronous: true, streaming: true, ...info?.delivery, ...(config?.delivery as ModelDelivery | undefined) };
  return {
    id,
    providerId,
    upstreamModel,
    capabilities,
    contextWindow: config?.constraints?.context_window ?? info?.contextWindow,
    maxOutputTokens: config?.constraints?.max_output_tokens ?? info?.maxOutputTokens,
    features: { ...info?.features, ...featuresFromConfig(config?.features as Record<string, unknown> | undefined) },
    delivery,
    pricing: pricingFromConfig(config?.pricing) ?? info?.pricing,
    limits: config ? modelLimits(config) : undefined,
    ...(config?.timeouts?.first_token !== undefined ? { firstTokenMs: config.timeouts.first_token } : {}),
  };
}
