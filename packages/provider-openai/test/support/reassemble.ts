import type { ChatCompletionChunk, CompletionUsage } from "@modelmesh/core";

/** What a stream adds up to: the OpenAI-format result a caller reconstructs from the chunks. */
export interface Reassembled {
  content: string | null;
  refusal: string | null;
  toolCalls: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  finishReason: string | null;
  usage: CompletionUsage | undefined;
}

/** Reassembles choice 0 of a chunk sequence (content, tool calls by `index`, finish reason, last usage). */
export function reassemble(chunks: readonly ChatCompletionChunk[]): Reassembled {
  let content: string | null = null;
  let refusal: string | null = null;
  let finishReason: string | null = null;
  let usage: CompletionUsage | undefined;
  const calls: Reassembled["toolCalls"] = [];
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices.find((candidate) => candidate.index === 0);
    if (!choice) continue;
    if (typeof choice.delta.content === "string") content = (content ?? "") + choice.delta.content;
    if (typeof choice.delta.refusal === "string") refusal = (refusal ?? "") + choice.delta.refusal;
    for (const delta of choice.delta.tool_calls ?? []) {
      const call = (calls[delta.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
      if (delta.id) call.id = delta.id;
      if (delta.type) call.type = delta.type;
      if (delta.function?.name) call.function.name += delta.function.name;
      if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  return { content, refusal, toolCalls: calls.filter(Boolean), finishReason, usage };
}
