import type { ChatCompletionRequest } from "@modelmesh/core";
import type { OpenAICompatibleQuirks } from "./presets/openai-compatible-preset.js";

/**
 * Pure request mapping for chat completions. OpenAI's own API receives the request exactly as given: every
 * field (tools, `tool_choice`, `parallel_tool_calls`, `response_format` with `json_schema`, image parts,
 * unknown vendor fields) passes through untouched, as the official SDK sends it. Only a vendor preset's
 * declared quirks remove fields that vendor rejects.
 */

/**
 * The top-level request fields a vendor's quirks say it rejects (empty for OpenAI). `stream_options` is not
 * among them: the base class leaves it out of stream requests when the provider's `streamUsage` is off.
 */
export function unsupportedRequestFields(quirks: OpenAICompatibleQuirks | undefined): string[] {
  if (!quirks) return [];
  const fields = [...(quirks.unsupportedFields ?? [])];
  if (quirks.supportsParallelToolCalls === false) fields.push("parallel_tool_calls");
  return fields;
}

/**
 * The JSON body of a chat request: a shallow copy of `request` without the fields the vendor rejects.
 * @example
 * convertToOpenAIChatPayload({ model: "sonar", messages, parallel_tool_calls: false }, { supportsParallelToolCalls: false });
 * // → { model: "sonar", messages }
 */
export function convertToOpenAIChatPayload(request: ChatCompletionRequest, quirks?: OpenAICompatibleQuirks): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...request };
  // OpenAI itself has no quirks: no field list to build, and no `delete` (which would make the payload a slow
  // dictionary object for JSON.stringify) unless a field is really there.
  if (quirks === undefined) return payload;
  for (const field of unsupportedRequestFields(quirks)) if (field in payload) delete payload[field];
  return payload;
}
