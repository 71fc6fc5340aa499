import type { ModelFeatures } from "../connectors/provider.js";
import type { ChatCompletionRequest, ChatMessage } from "../wire/chat.js";
import type { RouterModel } from "./types.js";

/** One need derived from a request; a model lacking it is never selected (no silent downgrade). */
export interface Requirement {
  /** Stable name used in traces and errors (`tool_calling`, `vision`, `context_window`…). */
  name: string;
  /** Returns undefined when the model qualifies, else why it does not. */
  check(model: RouterModel): string | undefined;
  /**
   * Set when the requirement is a floor on a declared number (`context_window`, `max_output_tokens`): a model
   * qualifies when its `field` is undeclared or at least `min`. The router then shares one candidate set
   * between requests whose floors admit the same models, instead of one per distinct `min`. Without it, a
   * requirement's result depends on its `name` alone.
   */
  floor?: { field: "contextWindow" | "maxOutputTokens"; min: number };
}

/** Rough token estimate: ~4 characters per token over message text, tool schemas and a per-message overhead. */
export function estimatePromptTokens(request: ChatCompletionRequest): number {
  let chars = 0;
  for (const message of request.messages ?? []) {
    chars += 16;
    chars += messageTextLength(message);
  }
  if (request.tools) chars += JSON.stringify(request.tools).length;
  return Math.ceil(chars / 4);
}

function messageTextLength(message: ChatMessage): number {
  const content = (message as { content?: unknown }).content;
  let length = 0;
  if (typeof content === "string") length += content.length;
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") length += (part as { text: string }).text.length;
      else length += 256; // images/audio/files: a flat allowance, vendors bill them separately
    }
  }
  const calls = (message as { tool_calls?: unknown[] }).tool_calls;
  if (Array.isArray(calls)) length += JSON.stringify(calls).length;
  return length;
}

/** Whether the conversation already has a tool turn (a tool result, or an assistant message with tool calls). */
function hasToolTurn(messages: readonly ChatMessage[]): boolean {
  for (const m of messages) if (m.role === "tool" || (m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0)) return true;
  return false;
}

function hasPart(messages: readonly ChatMessage[], type: string): boolean {
  for (const message of messages) {
    const content = (message as { content?: unknown }).content;
    if (Array.isArray(content) && content.some((part) => part && typeof part === "object" && (part as { type?: unknown }).type === type)) return true;
  }
  return false;
}

function feature(name: keyof ModelFeatures, label: string): Requirement {
  return {
    name: label,
    check: (model) => (model.features[name] === true ? undefined : `features.${label} is ${model.features[name] === false ? "false" : "not declared"}`),
  };
}

/**
 * Derives the requirement filter from a chat request: tools, vision/audio input, JSON / schema output,
 * streaming, and estimated prompt tokens + max_tokens within the context window. `promptTokens` passes an
 * estimate already made ({@link estimatePromptTokens}).
 */
export function chatRequirements(request: ChatCompletionRequest, options: { stream: boolean; promptTokens?: number }): Requirement[] {
  const requirements: Requirement[] = [];
  const messages = request.messages ?? [];
  const usesTools = (Array.isArray(request.tools) && request.tools.length > 0) || hasToolTurn(messages);
  if (usesTools && request.tool_choice !== "none") requirements.push(feature("toolCalling", "tool_calling"));
  if (hasPart(messages, "image_url")) requirements.push(feature("vision", "vision"));
  if (hasPart(messages, "input_audio")) requirements.push(feature("audioInput", "audio_input"));
  const format = request.response_format?.type;
  if (format === "json_schema") requirements.push(feature("structuredOutput", "structured_output"));
  else if (format === "json_object") {
    requirements.push({
      name: "json_mode",
      check: (m) => (m.features.jsonMode || m.features.structuredOutput ? undefined : "features.json_mode is not declared"),
    });
  }
  if (options.stream) {
    requirements.push({ name: "streaming", check: (m) => (m.delivery.streaming === false ? "delivery.streaming is false" : undefined) });
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens ?? 0;
  const needed = (options.promptTokens ?? estimatePromptTokens(request)) + (maxTokens ?? 0);
  requirements.push({
    name: "context_window",
    check: (m) => (m.contextWindow !== undefined && needed > m.contextWindow ? `needs ~${needed} tokens, context_window is ${m.contextWindow}` : undefined),
    floor: { field: "contextWindow", min: needed },
  });
  if (maxTokens) {
    requirements.push({
      name: "max_output_tokens",
      check: (m) => (m.maxOutputTokens !== undefined && maxTokens > m.maxOutputTokens ? `max_tokens ${maxTokens} > max_output_tokens ${m.maxOutputTokens}` : undefined),
      floor: { field: "maxOutputTokens", min: maxTokens },
    });
  }
  return requirements;
}
