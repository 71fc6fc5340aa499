import type {
  ChatAssistantMessage,
  ChatContentPart,
  ChatMessage,
  ChatToolCall,
  ChatToolMessage,
} from "@modelmesh/core";
import { unsupportedRequestError } from "./anthropic-error-mapping.js";
import type {
  AnthropicContentBlockParam,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicTextBlock,
  AnthropicToolResultBlock,
} from "./anthropic-wire.js";

/**
 * OpenAI `messages` → Anthropic `system` + `messages` (pure). The rules the Messages API imposes:
 * - the system prompt is a top-level field, so `system` and `developer` messages are hoisted there, in order,
 *   wherever they appear (one string message stays a string; several, or part arrays, become text blocks);
 * - turns alternate `user` / `assistant`: consecutive same-role turns are merged into one (their content
 *   becomes a block array), and `tool` messages become `tool_result` blocks of a user turn — placed first
 *   in that turn, as the API requires tool results to precede any other content;
 * - a final assistant turn is a prefill the model continues; the API rejects one ending in whitespace, so
 *   trailing whitespace is trimmed (and an empty prefill dropped);
 * - empty text is never sent (the API rejects empty text blocks).
 */

/** The converted conversation. */
export interface ConvertedMessages {
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessageParam[];
}

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** Converts the OpenAI conversation; throws `MM_INVALID_REQUEST` for content Anthropic cannot take. */
export function convertToAnthropicMessages(messages: readonly ChatMessage[]): ConvertedMessages {
  const system: AnthropicTextBlock[] = [];
  let systemAsBlocks = false;
  const turns: AnthropicMessageParam[] = [];
  messages.forEach((message, index) => {
    switch (message.role) {
      case "system":
      case "developer":
        if (typeof message.content !== "string") systemAsBlocks = true;
        for (const text of textsOf(message.content, index)) system.push({ type: "text", text });
        return;
      case "user":
        return pushTurn(turns, { role: "user", content: userContent(message.content, index) });
      case "assistant":
        return pushTurn(turns, { role: "assistant", content: assistantContent(message, index) });
      case "tool":
        return pushTurn(turns, { role: "user", content: [toolResult(message)] });
      default:
        throw unsupportedRequestError(`messages[${index}] has role "${(message as { role: string }).role}", which Anthropic does not accept`, "Use tools and tool messages instead of the legacy function role");
    }
  });
  const out: ConvertedMessages = { messages: finishTurns(turns) };
  if (system.length > 1) systemAsBlocks = true;
  if (system.length > 0) out.system = systemAsBlocks ? system : system[0]!.text;
  return out;
}

/** Non-empty texts of a system message (only text parts are allowed there). */
function textsOf(content: string | ReadonlyArray<{ type: string; text?: string }>, index: number): string[] {
  if (typeof content === "string") return content === "" ? [] : [content];
  return content.map((part) => {
    if (part.type !== "text" || typeof part.text !== "string") throw unsupportedRequestError(`messages[${index}] is a system message with a ${part.type} part; only text is allowed there`);
    return part.text;
  }).filter((text) => text !== "");
}

function userContent(content: string | ChatContentPart[], index: number): string | AnthropicContentBlockParam[] {
  if (typeof content === "string") return content;
  return content.flatMap((part, partIndex) => userPart(part, `messages[${index}].content[${partIndex}]`));
}

function userPart(part: ChatContentPart, where: string): AnthropicContentBlockParam[] {
  switch (part.type) {
    case "text":
      return part.text === "" ? [] : [{ type: "text", text: part.text }];
    case "image_url":
      return [convertImage(part.image_url?.url, where)];
    case "file":
      return [convertFile(part.file, where)];
    case "input_audio":
      throw unsupportedRequestError(`${where} is audio input, which Anthropic models do not accept`, "Route audio to a model with features.audio_input");
    default:
      throw unsupportedRequestError(`${where} has unsupported part type "${(part as { type: string }).type}"`);
  }
}

/** `data:` URLs become base64 sources; http(s) URLs become URL sources the API downloads itself. */
export function convertImage(url: string | undefined, where: string): AnthropicImageBlock {
  if (typeof url !== "string" || url === "") throw unsupportedRequestError(`${where} has no image_url.url`);
  const data = parseDataUrl(url);
  if (data) {
    const mediaType = data.mediaType === "image/jpg" ? "image/jpeg" : data.mediaType;
    if (!IMAGE_TYPES.has(mediaType) || !data.base64) {
      throw unsupportedRequestError(`${where} is a ${data.base64 ? mediaType : "non-base64"} data URL`, "Anthropic accepts base64 image/jpeg, image/png, image/gif and image/webp");
    }
    return { type: "image", source: { type: "base64", media_type: mediaType as "image/png", data: data.payload } };
  }
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw unsupportedRequestError(`${where} is neither a data: URL nor an http(s) URL`);
}

/** A base64 PDF (`file_data` as a `data:application/pdf;base64,` URL) becomes a document block. */
function convertFile(file: { file_data?: string; file_id?: string; filename?: string } | undefined, where: string): AnthropicDocumentBlock {
  const data = typeof file?.file_data === "string" ? parseDataUrl(file.file_data) : undefined;
  if (!data || data.mediaType !== "application/pdf" || !data.base64) {
    throw unsupportedRequestError(`${where} is a file part Anthropic cannot take`, "Send PDFs inline as file_data: data:application/pdf;base64,…; uploaded file ids are not supported");
  }
  return { type: "document", source: { type: "base64", media_type: "application/pdf", data: data.payload }, ...(file?.filename ? { title: file.filename } : {}) };
}

function parseDataUrl(url: string): { mediaType: string; base64: boolean; payload: string } | undefined {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (!match) return undefined;
  const params = match[2]!.toLowerCase().split(";");
  return { mediaType: match[1]!.toLowerCase(), base64: params.includes("base64"), payload: match[3]! };
}

/** Text (and refusal text) of an assistant turn, then its tool calls as `tool_use` blocks. */
function assistantContent(message: ChatAssistantMessage, index: number): string | AnthropicContentBlockParam[] {
  const calls = message.tool_calls ?? [];
  const content = message.content;
  if (calls.length === 0 && typeof content === "string") return content;
  const blocks: AnthropicContentBlockParam[] = [];
  if (typeof content === "string") {
    if (content !== "") blocks.push({ type: "text", text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      const text = part.type === "text" ? part.text : part.type === "refusal" ? part.refusal : "";
      if (text) blocks.push({ type: "text", text });
    }
  }
  calls.forEach((call, callIndex) => blocks.push(toolUse(call, `messages[${index}].tool_calls[${callIndex}]`)));
  return blocks;
}

function toolUse(call: ChatToolCall, where: string): AnthropicContentBlockParam {
  if (call.type !== undefined && call.type !== "function") throw unsupportedRequestError(`${where} has type "${call.type}"; only function tool calls are supported`);
  const raw = call.function?.arguments ?? "";
  let input: unknown = {};
  if (raw.trim() !== "") {
    try {
      input = JSON.parse(raw);
    } catch {
      input = undefined;
    }
  }
  // Anthropic stores tool input as an object; arguments that are not a JSON object cannot be replayed.
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw unsupportedRequestError(`${where}.function.arguments is not a JSON object`, "Send the arguments the model produced, as a JSON object string");
  }
  return { type: "tool_use", id: call.id, name: call.function.name, input: input as Record<string, unknown> };
}

function toolResult(message: ChatToolMessage): AnthropicToolResultBlock {
  const content = typeof message.content === "string"
    ? message.content
    : message.content.filter((part) => part.text !== "").map((part): AnthropicTextBlock => ({ type: "text", text: part.text }));
  return { type: "tool_result", tool_use_id: message.tool_call_id, content };
}

/** Appends a turn, merging it into the previous one when the role repeats. Empty turns are skipped. */
function pushTurn(turns: AnthropicMessageParam[], turn: AnthropicMessageParam): void {
  if (turn.content === "" || (Array.isArray(turn.content) && turn.content.length === 0)) return;
  const last = turns.at(-1);
  if (!last || last.role !== turn.role) {
    turns.push(turn);
    return;
  }
  last.content = [...asBlocks(last.content), ...asBlocks(turn.content)];
}

function asBlocks(content: string | AnthropicContentBlockParam[]): AnthropicContentBlockParam[] {
  if (typeof content !== "string") return content;
  return content === "" ? [] : [{ type: "text", text: content }];
}

/** Tool results first in every user turn; the final assistant turn trimmed as a prefill. */
function finishTurns(turns: AnthropicMessageParam[]): AnthropicMessageParam[] {
  for (const turn of turns) {
    if (turn.role !== "user" || typeof turn.content === "string") continue;
    const results = turn.content.filter((block) => block.type === "tool_result");
    if (results.length > 0) turn.content = [...results, ...turn.content.filter((block) => block.type !== "tool_result")];
  }
  const last = turns.at(-1);
  if (last?.role === "assistant") {
    if (typeof last.content === "string") {
      last.content = last.content.trimEnd();
      if (last.content === "") turns.pop();
    } else {
      const tail = last.content.at(-1);
      if (tail?.type === "text") {
        tail.text = tail.text.trimEnd();
        if (tail.text === "") last.content.pop();
      }
      if (last.content.length === 0) turns.pop();
    }
  }
  if (turns.length === 0) throw unsupportedRequestError("the request has no user or assistant message", "Send at least one user message");
  return turns;
}
