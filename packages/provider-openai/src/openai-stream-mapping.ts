import type { ChatCompletionChunk, CompletionUsage } from "@modelmesh/core";

/**
 * Stream chunk mapping. OpenAI's own chunks need none: the CDK's chunk parser keeps every field, tool-call
 * deltas with their `index`/`id`, and the usage-only final chunk (`choices: []`) that
 * `stream_options.include_usage` produces. The one vendor difference handled here is usage delivered in a
 * vendor object (Groq's `x_groq.usage`) instead of `usage`.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Copies `chunk[vendorField].usage` to `chunk.usage` when the chunk has no usage of its own.
 * Returns the chunk unchanged otherwise (same object).
 * @example
 * liftVendorUsage({ ...chunk, x_groq: { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } }, "x_groq").usage;
 * // → { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
 */
export function liftVendorUsage(chunk: ChatCompletionChunk, vendorField: string | undefined): ChatCompletionChunk {
  if (!vendorField || chunk.usage) return chunk;
  const vendor = (chunk as unknown as Record<string, unknown>)[vendorField];
  if (!isRecord(vendor) || !isRecord(vendor.usage)) return chunk;
  return { ...chunk, usage: vendor.usage as unknown as CompletionUsage };
}
