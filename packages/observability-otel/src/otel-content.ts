/**
 * Chat content for `capture_content`: OpenAI-shaped messages as the GenAI conventions' `gen_ai.input.messages`
 * / `gen_ai.output.messages` (a role and its parts), as JSON with secrets redacted and a bounded length.
 */
import { redactObject } from "@modelmesh/cdk";

/** Longest content attribute, in characters. */
const MAX_CONTENT = 64 * 1024;

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bounded(text: string): string {
  return text.length > MAX_CONTENT ? `${text.slice(0, MAX_CONTENT)}…[truncated ${text.length - MAX_CONTENT} characters]` : text;
}

/** `gen_ai.input.messages` of a chat request body (OpenAI-shaped), redacted and bounded; undefined for other bodies. */
export function inputMessages(request: unknown): string | undefined {
  if (!isRecord(request) || !Array.isArray(request.messages)) return undefined;
  return bounded(JSON.stringify(redactObject(request.messages.map(messageOf))));
}

/** One OpenAI message as a GenAI-convention message: a role and its parts (text, tool calls, tool results). */
function messageOf(message: unknown): { role: string; parts: Record<string, unknown>[] } {
  if (!isRecord(message)) return { role: "unknown", parts: [] };
  const role = typeof message.role === "string" ? message.role : "assistant";
  const parts: Record<string, unknown>[] = [];
  const content = message.content;
  if (role === "tool") parts.push({ type: "tool_call_response", id: message.tool_call_id, response: content });
  else if (typeof content === "string") parts.push({ type: "text", content });
  else if (Array.isArray(content)) {
    // Text parts keep their text; others (images, audio, files) only their type: their data may be megabytes.
    for (const part of content) if (isRecord(part)) parts.push(part.type === "text" ? { type: "text", content: part.text } : { type: String(part.type) });
  }
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isRecord(call)) continue;
      const fn = isRecord(call.function) ? call.function : {};
      parts.push({ type: "tool_call", id: call.id, name: fn.name, arguments: fn.arguments });
    }
  }
  return { role, parts };
}

/** `gen_ai.output.messages` of a chat answer's choices, each with its finish reason, redacted and bounded. */
export function outputMessages(choices: readonly Record<string, unknown>[]): string {
  return bounded(JSON.stringify(redactObject(choices.map((c) => ({ ...messageOf(c.message), ...(typeof c.finish_reason === "string" ? { finish_reason: c.finish_reason } : {}) })))));
}
