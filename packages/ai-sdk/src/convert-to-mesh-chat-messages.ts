/**
 * AI SDK prompt (LanguageModelV4Prompt) → OpenAI chat messages, the shape every ModelMesh route accepts.
 * Pure: no I/O. Content that cannot be expressed in the OpenAI chat shape either throws
 * `UnsupportedFunctionalityError` (user content the model would otherwise never see) or is left out with a
 * warning (history the chat shape has no slot for: reasoning, provider-executed tool traffic).
 */
import { UnsupportedFunctionalityError, type LanguageModelV4FilePart, type LanguageModelV4Prompt, type LanguageModelV4ToolResultOutput, type SharedV4Warning } from "@ai-sdk/provider";
import type { ChatAssistantMessage, ChatContentPart, ChatContentPartText, ChatMessage, ChatToolCall } from "@modelmesh/core";

/** Messages in the OpenAI wire shape, plus what could not be carried over. */
export interface ConvertedMessages {
  messages: ChatMessage[];
  warnings: SharedV4Warning[];
}

/** Audio media types the OpenAI `input_audio` part accepts, by format name. */
const AUDIO_FORMATS: Readonly<Record<string, string>> = { "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/mpeg": "mp3", "audio/mp3": "mp3" };

/** Converts a V4 prompt to OpenAI chat messages. */
export function convertToMeshChatMessages(prompt: LanguageModelV4Prompt): ConvertedMessages {
  const messages: ChatMessage[] = [];
  const warnings: SharedV4Warning[] = [];
  const warnOnce = (feature: string, details: string) => {
    if (!warnings.some((w) => w.type === "unsupported" && w.feature === feature)) warnings.push({ type: "unsupported", feature, details });
  };
  for (const message of prompt) {
    switch (message.role) {
      case "system":
        messages.push({ role: "system", content: message.content });
        break;
      case "user": {
        const parts = message.content.map((part, index) => (part.type === "text" ? ({ type: "text", text: part.text } as const) : convertFilePart(part, index, warnOnce)));
        const only = parts[0];
        messages.push({ role: "user", content: parts.length === 1 && only?.type === "text" ? only.text : parts });
        break;
      }
      case "assistant":
        messages.push(convertAssistant(message.content, warnOnce));
        break;
      case "tool":
        for (const part of message.content) {
          if (part.type === "tool-approval-response") {
            warnOnce("tool-approval-response", "tool approvals are for provider-executed tools, which ModelMesh routes do not run; the approval was not sent.");
            continue;
          }
          messages.push({ role: "tool", tool_call_id: part.toolCallId, content: toolOutputText(part.output, warnOnce) });
        }
        break;
    }
  }
  return { messages, warnings };
}

type AssistantPart = Extract<LanguageModelV4Prompt[number], { role: "assistant" }>["content"][number];

function convertAssistant(content: AssistantPart[], warnOnce: (feature: string, details: string) => void): ChatAssistantMessage {
  let text = "";
  const toolCalls: ChatToolCall[] = [];
  for (const part of content) {
    switch (part.type) {
      case "text":
        text += part.text;
        break;
      case "tool-call":
        if (part.providerExecuted) {
          warnOnce("provider-executed tool call", "a provider-executed tool call in the history was not sent: the OpenAI chat shape has no slot for it.");
          break;
        }
        toolCalls.push({ id: part.toolCallId, type: "function", function: { name: part.toolName, arguments: JSON.stringify(part.input ?? {}) } });
        break;
      case "tool-result":
        warnOnce("provider-executed tool result", "a provider-executed tool result in an assistant message was not sent: the OpenAI chat shape has no slot for it.");
        break;
      case "reasoning":
      case "reasoning-file":
        warnOnce("assistant reasoning", "reasoning from earlier assistant turns was not sent: the OpenAI chat shape has no field for it.");
        break;
      case "file":
        warnOnce("assistant file part", "a file in an earlier assistant turn was not sent: OpenAI assistant messages carry text and tool calls only.");
        break;
      case "custom":
        warnOnce(`custom part ${part.kind}`, "provider-specific custom parts are not sent through ModelMesh.");
        break;
    }
  }
  if (toolCalls.length === 0) return { role: "assistant", content: text };
  // An empty text next to tool calls is sent as null: some vendors reject an empty text block.
  return { role: "assistant", content: text === "" ? null : text, tool_calls: toolCalls };
}

function convertFilePart(part: LanguageModelV4FilePart, index: number, warnOnce: (feature: string, details: string) => void): ChatContentPart {
  const mediaType = part.mediaType.toLowerCase();
  const data = part.data;
  if (data.type === "text") {
    warnOnce("inline text file", "an inline text document was sent as a text part (the OpenAI chat shape has no text-file part).");
    return { type: "text", text: part.filename ? `${part.filename}:\n${data.text}` : data.text };
  }
  if (data.type === "reference") {
    throw new UnsupportedFunctionalityError({ functionality: `file part ${index} given as a provider reference (ModelMesh cannot know which provider will answer; send the bytes or a URL)` });
  }
  if (mediaType === "image" || mediaType.startsWith("image/")) {
    // A bare "image" or "image/*" has no subtype for the data URL; JPEG is what vendors sniff best.
    const fullType = mediaType === "image" || mediaType === "image/*" ? "image/jpeg" : mediaType;
    const url = data.type === "url" ? (data.originalUrl ?? data.url.toString()) : `data:${fullType};base64,${toBase64(data.data)}`;
    return { type: "image_url", image_url: { url } };
  }
  const audioFormat = AUDIO_FORMATS[mediaType];
  if (audioFormat) {
    if (data.type === "url") throw new UnsupportedFunctionalityError({ functionality: `audio file part ${index} given as a URL (the OpenAI chat shape takes audio as base64 data)` });
    return { type: "input_audio", input_audio: { data: toBase64(data.data), format: audioFormat } };
  }
  if (mediaType === "application/pdf") {
    if (data.type === "url") throw new UnsupportedFunctionalityError({ functionality: `PDF file part ${index} given as a URL (the OpenAI chat shape takes files as base64 data)` });
    return { type: "file", file: { filename: part.filename ?? `part-${index}.pdf`, file_data: `data:application/pdf;base64,${toBase64(data.data)}` } };
  }
  throw new UnsupportedFunctionalityError({ functionality: `file part ${index} of media type ${part.mediaType} (the OpenAI chat shape takes images, wav/mp3 audio and PDF files)` });
}

function toolOutputText(output: LanguageModelV4ToolResultOutput, warnOnce: (feature: string, details: string) => void): string | ChatContentPartText[] {
  switch (output.type) {
    case "text":
    case "error-text":
      return output.value;
    case "json":
    case "error-json":
      return JSON.stringify(output.value);
    case "execution-denied":
      return output.reason ?? "Tool execution denied.";
    case "content": {
      const parts: ChatContentPartText[] = [];
      for (const item of output.value) {
        if (item.type === "text") parts.push({ type: "text", text: item.text });
        else if (item.type === "file" && item.data.type === "text") parts.push({ type: "text", text: item.data.text });
        else warnOnce(`tool result ${item.type} part`, "OpenAI tool messages carry text only; a non-text part of a tool result was not sent.");
      }
      return parts;
    }
  }
}

/** Base64 of bytes or of an already base64-encoded string (returned as is). Platform-neutral (no Buffer). */
export function toBase64(data: Uint8Array | string): string {
  if (typeof data === "string") return data;
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < data.length; i += CHUNK) binary += String.fromCharCode(...data.subarray(i, i + CHUNK));
  return btoa(binary);
}
