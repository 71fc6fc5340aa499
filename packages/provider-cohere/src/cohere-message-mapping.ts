import type { ChatContentPart, ChatMessage, ChatToolCall } from "@modelmesh/core";
import { unsupportedRequestError } from "./cohere-error-mapping.js";
import type { CohereImageContent, CohereMessage, CohereTextContent, CohereToolCall } from "./cohere-wire.js";

/**
 * OpenAI chat messages → Cohere v2 messages (pure). Cohere v2 keeps OpenAI's roles and turn order, so the
 * mapping is one message for one message:
 *
 * | OpenAI | Cohere v2 |
 * |---|---|
 * | `system`, `developer` | `system` (string, or text parts) |
 * | `user` string / text and `image_url` parts | `user` (string, or `text` / `image_url` parts) |
 * | `assistant` content | `assistant` content |
 * | `assistant` `tool_calls` (+ its text) | `assistant` `tool_calls` (the text becomes `tool_plan`, where Cohere puts the model's words before a call) |
 * | `tool` (`tool_call_id`, content) | `tool` (`tool_call_id`, content) |
 *
 * Refused with `MM_INVALID_REQUEST` (never dropped): audio and file parts, legacy `function` messages, an
 * assistant `refusal` part, and images that are not https or `data:` URLs. A message's `name` and an
 * assistant's `refusal` field have no Cohere place: they are reported as warnings and not sent.
 */

/** The converted messages and what could not be sent. */
export interface CohereMessagesResult {
  messages: CohereMessage[];
  /** One short line per ignored field (reported through `CallOptions.onWarning`). */
  warnings: string[];
}

/**
 * Converts OpenAI messages.
 * @throws ProviderError `MM_INVALID_REQUEST` naming the message and the part Cohere cannot take.
 */
export function convertToCohereMessages(messages: readonly ChatMessage[]): CohereMessagesResult {
  const out: CohereMessage[] = [];
  const warnings: string[] = [];
  messages.forEach((message, index) => {
    const at = `messages[${index}]`;
    if (typeof message !== "object" || message === null) throw unsupportedRequestError(`${at} is not a message object`);
    if ("name" in message && message.name !== undefined && message.role !== "function") warnings.push(`${at}.name is not sent: Cohere messages have no name`);
    switch (message.role) {
      case "system":
      case "developer":
        out.push({ role: "system", content: textContent(message.content, at) });
        return;
      case "user":
        out.push({ role: "user", content: userContent(message.content, at) });
        return;
      case "assistant": {
        if (typeof message.refusal === "string" && message.refusal !== "") warnings.push(`${at}.refusal is not sent: Cohere messages have no refusal; send it as content`);
        const calls = message.tool_calls && message.tool_calls.length > 0 ? message.tool_calls.map((call, n) => toolCall(call, `${at}.tool_calls[${n}]`)) : undefined;
        const content = message.content === null || message.content === undefined ? undefined : assistantContent(message.content, at);
        if (calls) {
          const plan = content === undefined ? "" : typeof content === "string" ? content : content.map((part) => part.text).join("");
          out.push({ role: "assistant", tool_calls: calls, ...(plan !== "" ? { tool_plan: plan } : {}) });
        } else {
          out.push({ role: "assistant", content: content ?? "" });
        }
        return;
      }
      case "tool":
        if (typeof message.tool_call_id !== "string" || message.tool_call_id === "") throw unsupportedRequestError(`${at} (role tool) has no tool_call_id`);
        out.push({ role: "tool", tool_call_id: message.tool_call_id, content: textContent(message.content, at) });
        return;
      case "function":
        throw unsupportedRequestError(`${at} has the legacy role "function"`, 'Send tool results as role "tool" with a tool_call_id');
      default:
        throw unsupportedRequestError(`${at} has the unknown role ${JSON.stringify((message as { role?: unknown }).role)}`);
    }
  });
  return { messages: out, warnings };
}

function toolCall(call: ChatToolCall, at: string): CohereToolCall {
  if (call?.type !== "function" || typeof call.function?.name !== "string") throw unsupportedRequestError(`${at} is not a function call`);
  return { id: String(call.id ?? ""), type: "function", function: { name: call.function.name, arguments: typeof call.function.arguments === "string" ? call.function.arguments : JSON.stringify(call.function.arguments ?? {}) } };
}

/** Content of system and tool messages: a string, or text parts only. */
function textContent(content: unknown, at: string): string | CohereTextContent[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw unsupportedRequestError(`${at}.content must be a string or an array of text parts`);
  return content.map((part: ChatContentPart, n) => {
    if (part?.type !== "text" || typeof part.text !== "string") throw unsupportedRequestError(`${at}.content[${n}] is a ${String(part?.type)} part; only text parts are accepted here`);
    return { type: "text", text: part.text };
  });
}

function assistantContent(content: unknown, at: string): string | CohereTextContent[] {
  if (Array.isArray(content)) {
    const refusal = content.findIndex((part: { type?: unknown }) => part?.type === "refusal");
    if (refusal >= 0) throw unsupportedRequestError(`${at}.content[${refusal}] is a refusal part`, "Cohere has no refusal parts; send the refusal as text");
  }
  return textContent(content, at);
}

function userContent(content: unknown, at: string): string | Array<CohereTextContent | CohereImageContent> {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw unsupportedRequestError(`${at}.content must be a string or an array of parts`);
  return content.map((part: ChatContentPart, n): CohereTextContent | CohereImageContent => {
    const where = `${at}.content[${n}]`;
    if (part?.type === "text" && typeof part.text === "string") return { type: "text", text: part.text };
    if (part?.type === "image_url") {
      const url = part.image_url?.url;
      if (typeof url !== "string" || !/^(https?:|data:image\/)/i.test(url)) throw unsupportedRequestError(`${where} image_url must be an http(s) URL or a data:image URL`);
      return { type: "image_url", image_url: { url, ...(part.image_url.detail ? { detail: part.image_url.detail } : {}) } };
    }
    throw unsupportedRequestError(`${where} is a ${String(part?.type)} part, which Cohere chat does not accept`, "Send text and images only");
  });
}
