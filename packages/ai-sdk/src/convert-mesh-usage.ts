import type { JSONObject, LanguageModelV4Usage } from "@ai-sdk/provider";
import type { CompletionUsage } from "@modelmesh/core";

/** OpenAI usage → the V4 usage shape. Missing usage gives all-undefined counts (never invented zeros). */
export function convertMeshUsage(usage: CompletionUsage | null | undefined): LanguageModelV4Usage {
  if (!usage) {
    return { inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: undefined, text: undefined, reasoning: undefined } };
  }
  const input = usage.prompt_tokens;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const output = usage.completion_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: { total: input, noCache: cached === undefined ? input : input - cached, cacheRead: cached, cacheWrite: undefined },
    outputTokens: { total: output, text: reasoning === undefined ? output : output - reasoning, reasoning },
    raw: usage as unknown as JSONObject,
  };
}
