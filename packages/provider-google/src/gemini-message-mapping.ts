import { ProviderError, formatMessage, type ChatContentPart, type ChatMessage } from "@modelmesh/core";
import type { GeminiContent, GeminiPart } from "./gemini-wire.js";

/**
 * OpenAI `messages` → Gemini `systemInstruction` + `contents`. Pure; throws `MM_INVALID_REQUEST` for input
 * that has no Gemini form (a tool result whose call is unknown, tool arguments that are not a JSON object,
 * an unknown content part). Gemini's rules this follows:
 *
 * - there is one `systemInstruction` (a role-less content): every `system` / `developer` message, wherever it
 *   sits, contributes one text part to it, in order;
 * - roles are `user` and `model` only: `assistant` → `model`; tool results (`tool`, legacy `function`) are
 *   `functionResponse` parts in a `user` turn;
 * - consecutive turns of the same role are merged into one, so parallel tool results arrive together (Gemini
 *   expects one response part per call of the preceding model turn) and user text after them joins that turn;
 * - a `functionResponse` needs the function's NAME, which OpenAI's tool message lacks: it is looked up from
 *   the assistant `tool_calls` entry with the same id. Call ids are not sent: Gemini's Developer API does not
 *   need them, and ids minted by another vendor (or by us) mean nothing to it;
 * - a tool call's `extra_content.google.thought_signature` (see `gemini-response-mapping.ts`) goes back on
 *   its `functionCall` part as `thoughtSignature`, which thinking models expect;
 * - its `response` must be a JSON object: a tool result that parses as an object is sent as is; anything
 *   else becomes `{"result": <parsed JSON value, or the text>}`, Google's documented convention;
 * - images: a `data:` URL becomes `inlineData {mimeType, data}`; an `https:` or `gs:` URL becomes
 *   `fileData {fileUri, mimeType}` with the type guessed from the extension (images default to JPEG).
 */

const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  txt: "text/plain",
  mp3: "audio/mp3",
  wav: "audio/wav",
  mp4: "video/mp4",
};

/** What {@link convertToGeminiContents} produces. */
export interface GeminiConversation {
  /** System instructions, when the conversation had any. */
  systemInstruction?: GeminiContent;
  /** The turns, alternating roles (same-role neighbours merged). */
  contents: GeminiContent[];
}

/** A `MM_INVALID_REQUEST` error for a message that cannot be expressed for Gemini. */
export function invalidMessage(what: string, fix: string): ProviderError {
  return new ProviderError({
    code: "MM_INVALID_REQUEST",
    category: "invalid_request",
    retryable: false,
    message: formatMessage("google.gemini.v1", what, fix),
  });
}

/** Guesses a media type from a URL or file name extension. */
export function guessMimeType(name: string, fallback: string): string {
  const match = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(name);
  return (match && EXTENSION_TYPES[match[1]!.toLowerCase()]) ?? fallback;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (part && typeof part === "object" && (part as { type?: string }).type === "text" ? String((part as { text?: unknown }).text ?? "") : "")).join("");
}

/** Base64 of a UTF-8 string (for `data:` URLs that are not base64-encoded). */
function toBase64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** `data:<type>[;base64],<data>` → inline data; other URLs → file data. */
export function mediaPart(url: string, fallbackType: string): GeminiPart {
  if (url.startsWith("data:")) {
    const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
    if (!match) throw invalidMessage("a data: URL is malformed", "Use data:<media type>;base64,<data>");
    const mimeType = match[1] || fallbackType;
    const isBase64 = /;base64/i.test(match[2] ?? "");
    return { inlineData: { mimeType, data: isBase64 ? match[3]! : toBase64(decodeURIComponent(match[3]!)) } };
  }
  return { fileData: { fileUri: url, mimeType: guessMimeType(url, fallbackType) } };
}

function userPart(part: ChatContentPart): GeminiPart | undefined {
  switch (part.type) {
    case "text":
      return { text: part.text };
    case "image_url":
      return mediaPart(part.image_url.url, "image/jpeg");
    case "input_audio":
      return { inlineData: { mimeType: `audio/${part.input_audio.format === "mp3" ? "mp3" : part.input_audio.format}`, data: part.input_audio.data } };
    case "file": {
      const fallback = guessMimeType(part.file.filename ?? "", "application/pdf");
      if (part.file.file_data) return part.file.file_data.startsWith("data:") ? mediaPart(part.file.file_data, fallback) : { inlineData: { mimeType: fallback, data: part.file.file_data } };
      if (part.file.file_id) return { fileData: { fileUri: part.file.file_id, mimeType: fallback } };
      throw invalidMessage("a file part has neither file_data nor file_id", "Send the file as base64 file_data or as an uploaded file URI");
    }
    case "refusal":
      return undefined;
    default:
      throw invalidMessage(`content part type "${(part as { type?: unknown }).type}" is not supported`, "Use text, image_url, input_audio or file parts");
  }
}

function userParts(content: unknown): GeminiPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  if (!Array.isArray(content)) return [];
  return (content as ChatContentPart[]).map(userPart).filter((part): part is GeminiPart => part !== undefined);
}

/** Tool arguments (a JSON string in OpenAI) → the object Gemini wants. */
function parseArguments(text: string, name: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidMessage(`the arguments of tool call "${name}" are not valid JSON`, "Send tool_calls[].function.arguments as a JSON object string");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidMessage(`the arguments of tool call "${name}" are not a JSON object`, "Gemini function arguments must be an object");
  }
  return value as Record<string, unknown>;
}

/** A tool result text → the JSON object Gemini's `functionResponse.response` must be. */
export function toFunctionResponse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return { result: value };
  } catch {
    return { result: text };
  }
}

/** Converts OpenAI messages to Gemini contents (see the module comment for the rules). */
export function convertToGeminiContents(messages: readonly ChatMessage[]): GeminiConversation {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: "user" | "model", parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const message of messages) {
    switch (message.role) {
      case "system":
      case "developer": {
        const text = textOf(message.content);
        if (text !== "") system.push({ text });
        break;
      }
      case "user":
        push("user", userParts(message.content));
        break;
      case "assistant": {
        const parts: GeminiPart[] = [];
        const text = textOf(message.content);
        if (text !== "") parts.push({ text });
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          const signature = (call as { extra_content?: { google?: { thought_signature?: unknown } } }).extra_content?.google?.thought_signature;
          parts.push({
            functionCall: { name: call.function.name, args: parseArguments(call.function.arguments ?? "", call.function.name) },
            ...(typeof signature === "string" && signature !== "" ? { thoughtSignature: signature } : {}),
          });
        }
        push("model", parts);
        break;
      }
      case "tool": {
        const name = toolNames.get(message.tool_call_id);
        if (name === undefined) {
          throw invalidMessage(`tool message refers to tool_call_id "${message.tool_call_id}", which no earlier assistant message made`, "Keep the assistant message with the matching tool_calls entry in the conversation");
        }
        push("user", [{ functionResponse: { name, response: toFunctionResponse(textOf(message.content)) } }]);
        break;
      }
      case "function":
        push("user", [{ functionResponse: { name: message.name, response: toFunctionResponse(message.content ?? "") } }]);
        break;
      default:
        throw invalidMessage(`message role "${(message as { role?: unknown }).role}" is not supported`, "Use system, developer, user, assistant or tool");
    }
  }
  return { ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}), contents };
}
