import type { LanguageModelV4FinishReason } from "@ai-sdk/provider";

/** OpenAI `finish_reason` → the V4 finish reason (unified plus the raw value). */
export function mapMeshFinishReason(raw: string | null | undefined): LanguageModelV4FinishReason {
  switch (raw) {
    case "stop":
      return { unified: "stop", raw };
    case "length":
      return { unified: "length", raw };
    case "content_filter":
      return { unified: "content-filter", raw };
    case "tool_calls":
    case "function_call":
      return { unified: "tool-calls", raw };
    case null:
    case undefined:
      return { unified: "other", raw: undefined };
    default:
      return { unified: "other", raw };
  }
}
